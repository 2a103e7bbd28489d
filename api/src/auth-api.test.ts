/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { buildApp } from './app.js';
import { JWT_AUDIENCE, JWT_ISSUER } from './auth/access-tokens.js';
import { register, TEST_JWT_SECRET, testDeps } from './test-support/test-deps.js';

const deps = testDeps({ throttle: { perPair: 3 } });
const app = buildApp(deps);
const http = () => request(app.callback());

test('register answers tokens, user and household; me reflects them', async () => {
  const a = await register(app, { timeZone: 'Europe/Berlin', currency: 'EUR' });
  const me = await http().get('/api/v1/me').set('authorization', `Bearer ${a.accessToken}`).expect(200);
  assert.deepEqual(me.body, {
    user: { id: a.userId, email: a.email },
    household: { id: a.householdId, name: 'Home', timeZone: 'Europe/Berlin', currency: 'EUR' },
    role: 'owner',
  });
});

test('bodies: unknown fields named, bad fields named, weak passwords refused, no stack traces', async () => {
  const r1 = await http()
    .post('/api/v1/auth/register')
    .send({ email: 'x@example.com', password: 'long enough pw', householdName: 'H', role: 'owner' })
    .expect(400);
  assert.deepEqual(r1.body, {
    error: { code: 'unknown_field', message: 'Unknown field "role" is not allowed' },
  });
  const r2 = await http()
    .post('/api/v1/auth/register')
    .send({ email: 'x@example.com', password: 'password1', householdName: 'H' })
    .expect(400);
  assert.equal(r2.body.error.code, 'weak_password');
  const r3 = await http()
    .post('/api/v1/auth/register')
    .send({ email: 'x@example.com', password: 'short', householdName: 'H' })
    .expect(400);
  assert.equal(r3.body.error.code, 'weak_password');
  const r4 = await http()
    .post('/api/v1/auth/register')
    .send({ email: 'x@example.com', password: 'long enough pw', householdName: 'H', timeZone: 'Mars/Base' })
    .expect(400);
  assert.match(r4.body.error.message, /timeZone/);
  const r5 = await http()
    .post('/api/v1/auth/login')
    .set('content-type', 'application/json')
    .send('{"email":')
    .expect(400);
  assert.equal(r5.body.error.code, 'invalid_json');
  assert.doesNotMatch(JSON.stringify(r5.body), /at .*\.ts/);
  const r6 = await http().post('/api/v1/auth/login').send({ email: 'x@example.com' }).expect(400);
  assert.deepEqual(r6.body.error, { code: 'validation_failed', message: 'Field "password" is required' });
  const r7 = await http()
    .post('/api/v1/auth/register')
    .set('content-type', 'application/json')
    .send(JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(200_000), householdName: 'H' }))
    .expect(413);
  assert.equal(r7.body.error.code, 'payload_too_large');
  const dup = await register(app);
  const r8 = await http()
    .post('/api/v1/auth/register')
    .send({ email: dup.email, password: 'another long pw', householdName: 'H' })
    .expect(409);
  assert.equal(r8.body.error.code, 'email_taken');
});

test('login: right password gives tokens; wrong password and unknown email look the same', async () => {
  const a = await register(app);
  const ok = await http()
    .post('/api/v1/auth/login')
    .send({ email: a.email.toUpperCase(), password: a.password })
    .expect(200);
  assert.ok(ok.body.accessToken && ok.body.refreshToken);
  const bad = await http()
    .post('/api/v1/auth/login')
    .send({ email: a.email, password: 'wrong password' })
    .expect(401);
  const unknown = await http()
    .post('/api/v1/auth/login')
    .send({ email: 'nobody@example.com', password: 'wrong password' })
    .expect(401);
  assert.deepEqual(bad.body, unknown.body);
});

test('login is throttled per account and address with Retry-After', async () => {
  const a = await register(app);
  for (let i = 0; i < 3; i++)
    await http().post('/api/v1/auth/login').send({ email: a.email, password: 'wrong password' }).expect(401);
  const r = await http()
    .post('/api/v1/auth/login')
    .send({ email: a.email, password: a.password })
    .expect(429);
  assert.equal(r.body.error.code, 'throttled');
  assert.ok(Number(r.headers['retry-after']) > 0);
  const metrics = await http().get('/metrics').expect(200);
  assert.match(metrics.text, /api_login_failures_total\{reason="throttled"\} [1-9]/);
});

test('tampered, expired, alg-none, wrong-audience and wrong-issuer tokens are refused', async () => {
  const a = await register(app);
  const me = (t: string) => http().get('/api/v1/me').set('authorization', `Bearer ${t}`);
  await me(a.accessToken).expect(200);
  const [h, p, s] = a.accessToken.split('.');
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, hh: 'other' })).toString('base64url');
  await me(`${h}.${forged}.${s}`).expect(401);
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  await me(none).expect(401);
  const sign = (o: jwt.SignOptions, payload: object = { hh: a.householdId }) =>
    jwt.sign(payload, TEST_JWT_SECRET, { subject: a.userId, algorithm: 'HS256', ...o });
  await me(sign({ issuer: JWT_ISSUER, audience: JWT_AUDIENCE })).expect(200);
  await me(sign({ issuer: JWT_ISSUER, audience: 'grafana' })).expect(401);
  await me(sign({ issuer: 'someone-else', audience: JWT_AUDIENCE })).expect(401);
  await me(sign({ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expiresIn: -10 })).expect(401);
  await me(sign({ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithm: 'HS512' })).expect(401);
  await me(
    jwt.sign({ hh: a.householdId }, 'another secret', {
      subject: a.userId,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    }),
  ).expect(401);
  const r = await http().get('/api/v1/me').expect(401);
  assert.equal(r.body.error.code, 'unauthenticated');
});

test('refresh rotates; reusing a refresh token ends the family; logout ends the session', async () => {
  const a = await register(app);
  const r1 = await http().post('/api/v1/auth/refresh').send({ refreshToken: a.refreshToken }).expect(200);
  assert.notEqual(r1.body.refreshToken, a.refreshToken);
  await http().post('/api/v1/auth/refresh').send({ refreshToken: a.refreshToken }).expect(401);
  // The thief's reuse revoked the newer token too.
  await http().post('/api/v1/auth/refresh').send({ refreshToken: r1.body.refreshToken }).expect(401);
  const login = await http()
    .post('/api/v1/auth/login')
    .send({ email: a.email, password: a.password })
    .expect(200);
  await http().post('/api/v1/auth/logout').send({ refreshToken: login.body.refreshToken }).expect(204);
  await http().post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(401);
});

test('invites: single use, expire, give the role; viewers only read; owners remove members', async () => {
  const owner = await register(app);
  const auth = { authorization: `Bearer ${owner.accessToken}` };
  const inv = await http().post('/api/v1/household/invites').set(auth).send({ role: 'viewer' }).expect(201);
  await http().post('/api/v1/household/invites').set(auth).send({ role: 'owner' }).expect(400);
  const accept = {
    token: inv.body.token,
    email: `viewer-${Date.now()}@example.com`,
    password: 'viewer passphrase',
  };
  const v = await http().post('/api/v1/auth/accept-invite').send(accept).expect(201);
  assert.equal(v.body.role, 'viewer');
  await http()
    .post('/api/v1/auth/accept-invite')
    .send({ ...accept, email: `again-${Date.now()}@example.com` })
    .expect(401);
  const vAuth = { authorization: `Bearer ${v.body.accessToken}` };
  const me = await http().get('/api/v1/me').set(vAuth).expect(200);
  assert.equal(me.body.household.id, owner.householdId);
  await http().post('/api/v1/devices').set(vAuth).send({ name: 'Pi' }).expect(403);
  await http().get('/api/v1/devices').set(vAuth).expect(200);
  const members = await http().get('/api/v1/household/members').set(auth).expect(200);
  assert.equal(members.body.members.length, 2);
  await http().delete(`/api/v1/household/members/${v.body.user.id}`).set(vAuth).expect(403);
  // Promote to member: may now add devices; disable: every session ends at once.
  await http()
    .put(`/api/v1/household/members/${v.body.user.id}`)
    .set(auth)
    .send({ role: 'member' })
    .expect(200);
  await http().post('/api/v1/devices').set(vAuth).send({ name: 'Pi' }).expect(201);
  await http()
    .put(`/api/v1/household/members/${v.body.user.id}`)
    .set(auth)
    .send({ householdId: 'x' })
    .expect(400);
  await http()
    .put(`/api/v1/household/members/${v.body.user.id}`)
    .set(auth)
    .send({ disabled: true })
    .expect(200);
  await http().get('/api/v1/me').set(vAuth).expect(401);
  await http().post('/api/v1/auth/refresh').send({ refreshToken: v.body.refreshToken }).expect(401);
  await http()
    .post('/api/v1/auth/login')
    .send({ email: accept.email, password: accept.password })
    .expect(401);
  await http()
    .put(`/api/v1/household/members/${v.body.user.id}`)
    .set(auth)
    .send({ disabled: false })
    .expect(200);
  await http().delete(`/api/v1/household/members/${v.body.user.id}`).set(auth).expect(204);
  await http().get('/api/v1/me').set(vAuth).expect(401);
  // Expired invites are refused.
  const old = await http().post('/api/v1/household/invites').set(auth).send({ role: 'member' }).expect(201);
  const later = buildApp({ ...deps, now: () => new Date(Date.now() + 73 * 3_600_000) });
  await request(later.callback())
    .post('/api/v1/auth/accept-invite')
    .send({ token: old.body.token, email: `late-${Date.now()}@example.com`, password: 'late passphrase' })
    .expect(401);
});

test('the error catalogue answers unknown paths with a JSON 404', async () => {
  const r = await http().get('/api/v1/nope').expect(404);
  assert.deepEqual(r.body, { error: { code: 'not_found', message: 'Not found' } });
  const o = await http().get('/api/v1/openapi.json').expect(200);
  assert.ok(o.body.paths['/api/v1/readings/live'].get);
  await http().get('/healthz').expect(200);
  // No VictoriaMetrics behind these deps: not ready, and says why.
  const ready = await http().get('/readyz').expect(503);
  assert.deepEqual(ready.body, { status: 'not ready', store: true, victoriaMetrics: false });
  const m = await http().get('/metrics').expect(200);
  assert.match(m.text, /http_request_duration_seconds_bucket\{/);
});
