import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';

export interface OutboxEntry {
  readonly id: number;
  readonly messageId: string;
  readonly endUnixS: number;
  readonly body: Uint8Array;
}

export interface OutboxOptions {
  readonly path: string;
  /** Oldest batch kept, seconds (default 30 days); older ones are dropped and counted. */
  readonly maxAgeS?: number;
  /** Most batches kept (default 30 days of minutes); beyond it the oldest is dropped and counted. */
  readonly maxBatches?: number;
  /** Called with the reason and count of every drop. */
  readonly onDrop?: (reason: 'full' | 'expired', count: number) => void;
}

const DAY_S = 86_400;

/**
 * The durable outbox: a batch is written here before it is published and
 * deleted only on its publisher confirm, so a power cut or a broker outage
 * loses nothing. SQLite in WAL mode with synchronous=FULL: a committed
 * insert survives a power cut.
 */
export class Outbox {
  private readonly db: Db;
  private readonly insertStmt: Statement<[string, number, Buffer, number]>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly afterStmt: Statement<[number, number]>;
  private readonly countStmt: Statement<[]>;
  private readonly oldestStmt: Statement<[]>;
  private readonly oldestOtherStmt: Statement<[number]>;
  private readonly dropOldestStmt: Statement<[number]>;
  private readonly expireStmt: Statement<[number]>;
  private readonly maxAgeS: number;
  private readonly maxBatches: number;
  private depthCache: number;

  constructor(private readonly opts: OutboxOptions) {
    this.maxAgeS = opts.maxAgeS ?? 30 * DAY_S;
    this.maxBatches = opts.maxBatches ?? Math.ceil(this.maxAgeS / 60);
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS batches (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL,
      end_unix_s INTEGER NOT NULL,
      body BLOB NOT NULL,
      created_ms INTEGER NOT NULL
    )`);
    // The watermark asks for the earliest end on every publish; expiry deletes by it too.
    this.db.exec('CREATE INDEX IF NOT EXISTS batches_end ON batches (end_unix_s)');
    this.insertStmt = this.db.prepare(
      'INSERT INTO batches (message_id, end_unix_s, body, created_ms) VALUES (?, ?, ?, ?)',
    );
    this.deleteStmt = this.db.prepare('DELETE FROM batches WHERE id = ?');
    this.afterStmt = this.db.prepare(
      'SELECT id, message_id AS messageId, end_unix_s AS endUnixS, body FROM batches WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.countStmt = this.db.prepare('SELECT count(*) AS n FROM batches');
    this.oldestStmt = this.db.prepare('SELECT end_unix_s AS t FROM batches ORDER BY id LIMIT 1');
    this.oldestOtherStmt = this.db.prepare(
      'SELECT end_unix_s AS t FROM batches WHERE id <> ? ORDER BY end_unix_s LIMIT 1',
    );
    this.dropOldestStmt = this.db.prepare(
      'DELETE FROM batches WHERE id IN (SELECT id FROM batches ORDER BY id LIMIT ?)',
    );
    this.expireStmt = this.db.prepare('DELETE FROM batches WHERE end_unix_s < ?');
    this.depthCache = (this.countStmt.get() as { n: number }).n;
  }

  /** Stores a batch (durably, before it is published); returns its id. Throws on a disk error. */
  add(messageId: string, endUnixS: number, body: Uint8Array, nowS = Date.now() / 1000): number {
    const expired = this.expireStmt.run(Math.floor(nowS - this.maxAgeS)).changes;
    if (expired > 0) {
      this.depthCache -= expired;
      this.opts.onDrop?.('expired', expired);
    }
    if (this.depthCache >= this.maxBatches) {
      const n = this.depthCache - this.maxBatches + 1;
      const dropped = this.dropOldestStmt.run(n).changes;
      this.depthCache -= dropped;
      this.opts.onDrop?.('full', dropped);
    }
    const id = Number(
      this.insertStmt.run(
        messageId,
        endUnixS,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        Date.now(),
      ).lastInsertRowid,
    );
    this.depthCache++;
    return id;
  }

  /** Removes a confirmed batch. */
  delete(id: number): void {
    this.depthCache -= this.deleteStmt.run(id).changes;
  }

  /** The oldest batches with id > afterId, oldest first. */
  after(afterId: number, limit: number): OutboxEntry[] {
    return this.afterStmt.all(afterId, limit) as OutboxEntry[];
  }

  get depth(): number {
    return this.depthCache;
  }

  /** End time of the oldest stored batch, undefined when empty. */
  oldestEndS(): number | undefined {
    const row = this.oldestStmt.get() as { t: number } | undefined;
    return row?.t;
  }

  /** Earliest end time of the stored batches other than `id` (the one being published); undefined when none. */
  earliestEndExcept(id: number): number | undefined {
    const row = this.oldestOtherStmt.get(id) as { t: number } | undefined;
    return row?.t;
  }

  close(): void {
    this.db.close();
  }
}
