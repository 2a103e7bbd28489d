import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import request from 'supertest';
import { buildApp } from './app.js';
import { testDeps } from './test-support/test-deps.js';

/** Three failed logins with the given X-Forwarded-For chains; the statuses answered. */
async function attempts(trustProxy: boolean, chains: readonly string[]): Promise<number[]> {
  const deps = { ...testDeps({ throttle: { perAddress: 2, perPair: 100, perAccount: 100 } }), trustProxy };
  after(() => deps.store.close());
  const http = () => request(buildApp(deps).callback());
  const out: number[] = [];
  for (const xff of chains) {
    const r = await http()
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', xff)
      .send({ email: 'nobody@example.com', password: 'wrong-password-1' });
    out.push(r.status);
  }
  return out;
}

test('behind the proxy (TRUST_PROXY) the throttle counts the address the proxy appended, not what the client claims', async () => {
  // Two clients behind one proxy: each has its own per-address budget.
  assert.deepEqual(await attempts(true, ['10.0.0.1', '10.0.0.1', '10.0.0.2']), [401, 401, 401]);
  // A client forging earlier entries stays the address the proxy saw.
  assert.deepEqual(
    await attempts(true, ['6.6.6.6, 10.0.0.3', '7.7.7.7, 10.0.0.3', '8.8.8.8, 10.0.0.3']),
    [401, 401, 429],
  );
  // Not behind a proxy: the header is the client's word and ignored; every attempt is the socket's address.
  assert.deepEqual(await attempts(false, ['10.0.0.1', '10.0.0.2', '10.0.0.3']), [401, 401, 429]);
});
