import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { oidcStoreContract } from './oidc-store-contract.js';
import { provisioningQueueContract } from './provisioning-queue-contract.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'api-sqlite-'));
storeContract('sqlite', () => Promise.resolve(new SqliteStore(join(dir, 'accounts.sqlite'))));
oidcStoreContract('sqlite', () => Promise.resolve(new SqliteStore(join(dir, 'accounts.sqlite'))));
provisioningQueueContract('sqlite', () => Promise.resolve(new SqliteStore(join(dir, 'accounts.sqlite'))));
