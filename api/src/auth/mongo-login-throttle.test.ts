// Runs against a real MongoDB when MONGODB_URI is given (none runs here); skipped otherwise, and says so.
import { after } from 'node:test';
import { throttleContract } from './login-throttle-contract.js';
import { MongoLoginThrottle } from './mongo-login-throttle.js';

const uri = process.env.MONGODB_URI;
const opened: MongoLoginThrottle[] = [];
after(() => Promise.all(opened.map((t) => t.close())));

throttleContract(
  'MongoDB (shared by every API replica)',
  async (limits, now) => {
    const t = await MongoLoginThrottle.open(uri ?? '', limits, now);
    opened.push(t);
    return t;
  },
  { skip: uri ? false : 'MONGODB_URI is not set: the shared throttle has NOT been run against MongoDB' },
);
