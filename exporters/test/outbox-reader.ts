import Database from 'better-sqlite3';
import { decodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';

/** What a stopped daemon left in its outbox (read-only, for the tests' accounting). */
export function outboxBatches(path: string): ReadingBatch[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT body FROM batches ORDER BY id').all() as { body: Buffer }[];
    return rows.map((r) => decodeReadingBatch(r.body));
  } finally {
    db.close();
  }
}

export async function metricValue(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}
