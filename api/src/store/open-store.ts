import { join } from 'node:path';
import type { AccountsStore } from './accounts-store.js';
import { MongoStore } from './mongo/index.js';
import { SqliteStore } from './sqlite/index.js';

/** MongoDB when MONGODB_URI is set, else the SQLite file in STATE_DIR. */
export async function openStore(opts: {
  mongodbUri?: string | undefined;
  stateDir: string;
}): Promise<AccountsStore> {
  if (opts.mongodbUri) return MongoStore.connect(opts.mongodbUri);
  return new SqliteStore(join(opts.stateDir, 'accounts.sqlite'));
}
