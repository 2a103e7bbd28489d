import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.js';

export type Row = Record<string, unknown>;
export const d = (v: unknown): Date => new Date(Number(v));
export const dn = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
export const s = (v: unknown): string => String(v);

/** Kept rows per process at most (a household's caller, membership, household and devices are four). */
const MAX_MEMOS = 200_000;
/**
 * How long a read of the generation stands for kept look-ups. Another
 * process's write shows within it — a request racing that write could see
 * either side of it anyway; this connection's writes show at once.
 */
const GENERATION_REUSE_MS = 1;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * The one SQLite file in WAL mode (the seed and the API share it) that every
 * record kind's store reads and writes through.
 */
export class SqliteDb {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.generation = this.db.prepare('SELECT n FROM read_generation WHERE id = 1').pluck();
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] ?? '');
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  // Prepared once per SQL text: preparing costs more than most of these queries.
  private readonly statements = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
  get(sql: string, ...p: unknown[]): Row | undefined {
    return this.stmt(sql).get(...p) as Row | undefined;
  }
  all(sql: string, ...p: unknown[]): Row[] {
    return this.stmt(sql).all(...p) as Row[];
  }
  /** Runs a write; the number of rows it changed. */
  run(sql: string, ...p: unknown[]): number {
    this.generationReadAt = -Infinity;
    return this.stmt(sql).run(...p).changes;
  }
  /**
   * The value `load` reads for `key`, kept while the read generation stands
   * (schema.ts: triggers move it on any write to users, memberships,
   * households or devices — by this connection or another process's). Every
   * readings request reads its caller, membership, household and devices:
   * one look-up of one row instead of four queries and their parsing. What
   * is kept is frozen, since every later caller gets the same object.
   */
  memo<T>(key: string, load: () => T): T {
    if (this.memos.size >= MAX_MEMOS) this.memos.clear();
    const now = performance.now();
    // Reading the generation is most of a kept look-up's cost: once per millisecond is enough,
    // as long as this connection's own writes make the next look-up read it again.
    if (now - this.generationReadAt > GENERATION_REUSE_MS) {
      const generation = this.generation.get() as number;
      this.generationReadAt = now;
      if (generation !== this.memoGeneration) {
        this.memos.clear();
        this.memoGeneration = generation;
      }
    }
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = deepFreeze(load());
    this.memos.set(key, value);
    return value;
  }
  private readonly generation: Database.Statement;
  private memoGeneration = -1;
  private generationReadAt = -Infinity;
  private readonly memos = new Map<string, unknown>();

  /** Runs `fn` in one transaction: all of its writes or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  close(): void {
    this.db.close();
  }
}
