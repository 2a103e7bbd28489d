import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GrafanaError, type HouseholdForGrafana } from './grafana-provisioner.js';
import { DATASOURCE_UID, HttpGrafana } from './http-grafana.js';

// TEST DOUBLE of Grafana's HTTP API. These tests check only the shape of the
// requests HttpGrafana sends and how it treats status codes; the double knows
// nothing of Grafana's real behaviour. The real check is
// grafana-contract.test.ts against a real Grafana (GRAFANA_URL).

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}
type Reply = [number, unknown?] | 'hang';
type Routes = Record<string, Reply | Reply[]>;

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

function isList(r: Reply | Reply[]): r is Reply[] {
  return Array.isArray(r[0]);
}
function next(r: Reply | Reply[] | undefined): Reply {
  if (r === undefined) return [404, { message: 'not found' }];
  if (!isList(r)) return r;
  return (r.length > 1 ? r.shift() : r[0]) ?? [500];
}

/** Answers `METHOD path` from `routes` (a list is answered in turn, the last one repeated). */
async function fakeGrafana(routes: Routes): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      });
      const reply = next(routes[key]);
      if (reply === 'hang') return;
      res.writeHead(reply[0], { 'content-type': 'application/json' });
      res.end(reply[1] === undefined ? '' : JSON.stringify(reply[1]));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const H: HouseholdForGrafana = {
  id: 'h1',
  name: 'Home',
  timeZone: 'Europe/Berlin',
  currency: 'CHF',
  pricePerKwh: 0.27,
};
const make = (url: string, extra: Partial<ConstructorParameters<typeof HttpGrafana>[0]> = {}): HttpGrafana =>
  new HttpGrafana({ url, adminUser: 'admin', adminPassword: 'pw', apiUrl: 'http://api:8080/', ...extra });

const happy = (): Routes => ({
  'POST /api/orgs': [200, { message: 'Organization created', orgId: 7 }],
  [`GET /api/datasources/uid/${DATASOURCE_UID}`]: [404, { message: 'Data source not found' }],
  'POST /api/datasources': [200, { id: 1 }],
  'POST /api/dashboards/db': [200, { uid: 'energy-household', url: '/d/energy-household/household-energy' }],
});

test('provisioning sends what grafana/README.md asks for, as server admin, in the household org', async () => {
  const g = await fakeGrafana(happy());
  const out = await make(g.url).provisionHousehold(H, 'emt_secret');
  assert.deepEqual(out, {
    url: `${g.url}/d/energy-household/household-energy?orgId=7`,
    orgId: 7,
    dashboardUid: 'energy-household',
  });
  assert.deepEqual(
    g.seen.map((s) => `${s.method} ${s.path}`),
    [
      'POST /api/orgs',
      `GET /api/datasources/uid/${DATASOURCE_UID}`,
      'POST /api/datasources',
      'POST /api/dashboards/db',
    ],
  );
  for (const s of g.seen)
    assert.equal(s.headers.authorization, `Basic ${Buffer.from('admin:pw').toString('base64')}`);
  assert.deepEqual(g.seen[0]?.body, { name: 'household-h1' });
  assert.equal(g.seen[0]?.headers['x-grafana-org-id'], undefined);
  for (const s of g.seen.slice(1)) assert.equal(s.headers['x-grafana-org-id'], '7');
  assert.deepEqual(g.seen[2]?.body, {
    uid: DATASOURCE_UID,
    name: 'Energy API',
    type: 'prometheus',
    url: 'http://api:8080/prometheus',
    access: 'proxy',
    isDefault: true,
    basicAuth: true,
    basicAuthUser: 'token',
    jsonData: { httpMethod: 'POST' },
    secureJsonData: { basicAuthPassword: 'emt_secret' },
  });
  const dash = g.seen[3]?.body as {
    overwrite: boolean;
    dashboard: { uid: string; templating: { list: { name: string; query: string }[] } };
  };
  assert.equal(dash.overwrite, true);
  assert.equal(dash.dashboard.uid, 'energy-household');
  const q = (n: string): string | undefined =>
    dash.dashboard.templating.list.find((v) => v.name === n)?.query;
  assert.equal(q('price_per_kwh'), '0.27');
  assert.equal(q('currency'), 'CHF');
});

test('an existing organisation is found by name and joined; an existing datasource is updated', async () => {
  const g = await fakeGrafana({
    ...happy(),
    'POST /api/orgs': [409, { message: 'Organization name taken' }],
    'GET /api/orgs/name/household-h1': [200, { id: 9, name: 'household-h1' }],
    'POST /api/orgs/9/users': [409, { message: 'User is already member of this organization' }],
    [`GET /api/datasources/uid/${DATASOURCE_UID}`]: [200, { id: 1, uid: DATASOURCE_UID }],
    [`PUT /api/datasources/uid/${DATASOURCE_UID}`]: [200, { id: 1 }],
  });
  const out = await make(g.url).provisionHousehold(H, 'emt_new');
  assert.equal(out.orgId, 9);
  assert.deepEqual(g.seen[2]?.body, { loginOrEmail: 'admin', role: 'Admin' });
  const put = g.seen.find((s) => s.method === 'PUT');
  assert.deepEqual((put?.body as { secureJsonData: unknown }).secureJsonData, {
    basicAuthPassword: 'emt_new',
  });
  assert.equal(
    g.seen.some((s) => s.method === 'POST' && s.path === '/api/datasources'),
    false,
  );
});

test('5xx is retried, then reported as retryable; 4xx is permanent and not retried', async () => {
  const flaky = await fakeGrafana({ ...happy(), 'POST /api/orgs': [[503], [200, { orgId: 7 }]] });
  assert.equal((await make(flaky.url).provisionHousehold(H, 't')).orgId, 7);

  const down = await fakeGrafana({ 'POST /api/orgs': [502] });
  await assert.rejects(
    make(down.url, { attempts: 2 }).provisionHousehold(H, 't'),
    (e: unknown) => e instanceof GrafanaError && e.retryable && e.status === 502,
  );
  assert.equal(down.seen.length, 2);

  const refused = await fakeGrafana({ 'POST /api/orgs': [401, { message: 'Invalid username or password' }] });
  await assert.rejects(
    make(refused.url).provisionHousehold(H, 't'),
    (e: unknown) =>
      e instanceof GrafanaError && !e.retryable && e.status === 401 && /Invalid username/.test(e.message),
  );
  assert.equal(refused.seen.length, 1);
});

test('a Grafana that does not answer in time, or at all, is a retryable error', async () => {
  const g = await fakeGrafana({ 'POST /api/orgs': 'hang' });
  await assert.rejects(
    make(g.url, { timeoutMs: 100, attempts: 1 }).provisionHousehold(H, 't'),
    (e: unknown) => e instanceof GrafanaError && e.retryable,
  );
  await assert.rejects(
    make('http://127.0.0.1:9', { attempts: 1 }).deleteHousehold('h1'),
    (e: unknown) => e instanceof GrafanaError && e.retryable,
  );
});

test('deleting looks the organisation up by name and deletes it; none found is not an error', async () => {
  const g = await fakeGrafana({
    'GET /api/orgs/name/household-h1': [200, { id: 9 }],
    'DELETE /api/orgs/9': [200, { message: 'Organization deleted' }],
  });
  assert.deepEqual(await make(g.url).deleteHousehold('h1'), { deleted: true });
  assert.deepEqual(await make(g.url).deleteHousehold('h2'), { deleted: false });
  assert.deepEqual(
    g.seen.map((s) => `${s.method} ${s.path}`),
    ['GET /api/orgs/name/household-h1', 'DELETE /api/orgs/9', 'GET /api/orgs/name/household-h2'],
  );
});
