import { test } from 'node:test';
import { MongoStore } from '../../src/store/mongo/index.js';
import { oidcStoreContract } from './oidc-store-contract.js';
import { provisioningQueueContract } from './provisioning-queue-contract.js';
import { storeContract } from './store-contract.js';

// No MongoDB server can run on these machines; the same contract runs against a
// real one whenever MONGODB_URI points at it (see api/README.md).
const uri = process.env.MONGODB_URI;
if (uri) {
  storeContract('mongodb', () => MongoStore.connect(uri));
  oidcStoreContract('mongodb', () => MongoStore.connect(uri));
  provisioningQueueContract('mongodb', () => MongoStore.connect(uri));
} else
  test(
    'mongodb contract',
    { skip: 'MONGODB_URI is not set: no MongoDB to test against (see api/README.md)' },
    () => {},
  );
