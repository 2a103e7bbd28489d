import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { buildApp } from '../app.js';
import { register, testDeps } from '../test-support/test-deps.js';

test("a member's display name (the OpenID Connect name claim) is the e-mail until set, and set back by null", async () => {
  const deps = testDeps();
  const app = buildApp(deps);
  const a = await register(app);
  const auth = { authorization: `Bearer ${a.accessToken}` };
  const http = () => request(app.callback());
  assert.equal((await deps.store.userById(a.userId))?.displayName, a.email);
  const set = await http()
    .put('/api/v1/me/display-name')
    .set(auth)
    .send({ displayName: '  Ada L.  ' })
    .expect(200);
  assert.deepEqual(set.body, { displayName: 'Ada L.' });
  assert.equal((await deps.store.userById(a.userId))?.displayName, 'Ada L.');
  for (const bad of [
    { displayName: 'x'.repeat(101) },
    { displayName: 'a\u0007b' },
    { displayName: 5 },
    { other: 1 },
  ])
    await http().put('/api/v1/me/display-name').set(auth).send(bad).expect(400);
  assert.equal((await deps.store.userById(a.userId))?.displayName, 'Ada L.');
  const reset = await http().put('/api/v1/me/display-name').set(auth).send({ displayName: null }).expect(200);
  assert.deepEqual(reset.body, { displayName: a.email });
  await http().put('/api/v1/me/display-name').send({ displayName: 'x' }).expect(401);
});
