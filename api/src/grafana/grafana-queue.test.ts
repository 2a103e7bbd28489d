/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- JSON answers */
// The provisioning queue on the real API process (tsx main.ts) against the
// Grafana stand-in: every change reaches Grafana once and in order per
// household, through Grafana failing and timing out for a while and a
// restart of the API in the middle.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@energy/lib/services/ports';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/index';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { GrafanaStandin } from '../test-support/grafana-standin.js';

const root = new URL('../../../', import.meta.url).pathname;
const tsxNode = ['--conditions=source', '--import', 'tsx'];
const grafana = new GrafanaStandin();
let api: SupervisedProcess | undefined;
let apiUrl = '';
let env: NodeJS.ProcessEnv = {};
const logDir = mkdtempSync(join(tmpdir(), 'grafana-queue-logs-'));

async function startApi(n: number): Promise<void> {
  api = await startProcess({
    name: `api-${n}`,
    command: process.execPath,
    args: [...tsxNode, join(root, 'api/src/main.ts')],
    cwd: root,
    env,
    logFile: join(logDir, `api-${n}.log`),
    health: { url: `${apiUrl}/readyz` },
  });
}

before(async () => {
  await grafana.start();
  const vm = await testVictoriaMetrics();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    API_PORT: String(port),
    BROKER_AUTH_PORT: String(await freePort()),
    BROKER_AUTH_SECRET: 'grafana-queue-test',
    VM_URL: vm.url,
    STATE_DIR: mkdtempSync(join(tmpdir(), 'grafana-queue-state-')),
    GRAFANA_URL: grafana.url,
    GRAFANA_PUBLIC_URL: 'https://grafana.example',
    GRAFANA_ADMIN_USER: 'admin',
    GRAFANA_ADMIN_PASSWORD: 'standin-password',
    GRAFANA_TIMEOUT_MS: '400',
    GRAFANA_RETRY_MS: '100',
    LOG_LEVEL: 'error',
  };
  await startApi(1);
});

after(async () => {
  await api?.stop();
  await grafana.stop();
});

async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Waits until Grafana holds what `ok` looks for (the queue is worked in the background). */
async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; applied: ${grafana.applied.join('\n')}`);
    await sleep(50);
  }
}

test('household created, device added, socket renamed, member added and removed, household deleted: each applied once, in order', async () => {
  const stamp = `${process.pid}-${Date.now()}`;
  const ownerEmail = `owner-${stamp}@example.com`;
  const memberEmail = `member-${stamp}@example.com`;
  const owner = await call('POST', '/api/v1/auth/register', undefined, {
    email: ownerEmail,
    password: 'a fine long passphrase',
    householdName: 'Queue home',
  });
  const hh: string = owner.household?.id ?? owner.householdId;
  assert.ok(hh, 'the registration names the household');
  const token: string = owner.accessToken;

  // Provisioning starts by itself: no owner's call.
  await until('the owner in the team', () => grafana.teamOf(`household-${hh}`)?.members.length === 1);
  assert.deepEqual(grafana.teamOf(`household-${hh}`)?.members, [ownerEmail]);
  assert.ok(grafana.board(`hh-${hh}`));
  assert.equal(
    (await call('GET', '/api/v1/household/grafana', token)).url,
    `https://grafana.example/d/hh-${hh}?orgId=1`,
  );

  // Grafana falls over for a while: errors, then two answers that never come
  // (the work done, the answer lost), then bad credentials.
  grafana.failNext(1, { status: 503 });
  grafana.failNext(2, 'timeout');
  grafana.failNext(1, { status: 401 });
  const device = await call('POST', '/api/v1/devices', token, { name: 'Kitchen plug' });
  await call('PUT', `/api/v1/devices/${device.id}/sockets/0`, token, { name: 'Fridge' });

  // A restart while Grafana still fails: the queue is in the store, not in the process.
  await api?.stop();
  grafana.failNext(1, { status: 502 });
  await startApi(2);

  // Every job applies the store's latest state: wait for the rename so the log below has one order.
  await until('Fridge on the board', () =>
    JSON.stringify(grafana.board(`hh-${hh}`)?.dashboard).includes('"displayName","value":"Fridge"'),
  );
  assert.equal(grafana.pendingFaults(), 0, 'every injected fault was met');

  const invite = await call('POST', '/api/v1/household/invites', token, { role: 'member' });
  const member = await call('POST', '/api/v1/auth/accept-invite', undefined, {
    token: invite.token,
    email: memberEmail,
    password: 'another long passphrase',
  });
  await until('the member in the team', () =>
    (grafana.teamOf(`household-${hh}`)?.members ?? []).includes(memberEmail),
  );

  await call('DELETE', `/api/v1/household/members/${member.user.id}`, token);
  await until(
    'the member out of the team',
    () => !(grafana.teamOf(`household-${hh}`)?.members ?? []).includes(memberEmail),
  );
  await call('DELETE', '/api/v1/household', token);
  await until('the owner’s Grafana user gone', () => grafana.userByLogin(ownerEmail) === undefined);

  const mine = grafana.applied
    .filter((x) => [hh, ownerEmail, memberEmail].some((k) => x.startsWith(`${k}|`)))
    .map((x) => x.replaceAll(hh, 'HH').replace(ownerEmail, 'OWNER').replace(memberEmail, 'MEMBER'))
    .map((x) => x.replace(/permissions set .*/, 'permissions set'));
  assert.deepEqual(mine, [
    // household created (before the owner's membership: registration makes the household first)
    'HH|team created',
    'HH|folder created Queue home · HH',
    'HH|permissions set',
    'HH|board saved v1',
    // owner added
    'OWNER|user created',
    'HH|member added OWNER',
    'HH|permissions set', // the owner may edit the folder
    // device added: no socket named yet, nothing on the board changes; then Fridge
    'HH|board saved v2',
    'MEMBER|user created',
    'HH|member added MEMBER',
    'HH|member removed MEMBER',
    'MEMBER|user deleted',
    'HH|folder deleted',
    'HH|team deleted',
    'OWNER|user deleted',
  ]);
});
