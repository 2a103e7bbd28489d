import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { boardPanelQueries, panelQueryRequest, parseDateMath } from '@energy/lib/grafana-panel-queries';
import { DAILY_COST_SERIES, DAILY_KWH_SERIES, ENERGY_SERIES, POWER_SERIES } from '@energy/lib/series';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import * as client from 'openid-client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { SqliteStore } from '../store/sqlite/index.js';
import { hostilePromql, smuggledFilters } from '../test-support/hostile-promql.js';
import { register, testDeps, type Account } from '../test-support/test-deps.js';
import { loadOidcKeys } from './oidc-keys.js';
import { buildProvider, GRAFANA_CLIENT_ID } from './oidc-provider.js';

/*
 * The API as Grafana's OpenID Connect provider, end to end: the code flow
 * with PKCE in headless Chromium (the portal's login form, no consent
 * screen), the token exchange and refresh by openid-client, the access
 * token on /prometheus (Bearer and basic, its household only, under
 * hostile PromQL), refused once expired or revoked, a restart of the API on
 * the same store keeping the session and the refresh token, and logout.
 * Grafana itself is a stand-in listener that keeps the URLs it is sent to.
 */
const SECRET = 'grafana-test-secret';
const TTL_SECONDS = 4;
const dir = mkdtempSync(join(tmpdir(), 'api-oidc-'));
const profile = mkdtempSync(join(tmpdir(), 'api-oidc-chromium-'));

let vmUrl: string;
let server: Server;
let port: number;
let deps: AppDeps;
let browser: BrowserContext;
let page: Page;
let a: Account;
let b: Account;
let config: client.Configuration;
let callback: (req: IncomingMessage, res: ServerResponse) => void;
let grafana: Server;
let GRAFANA: string;
let REDIRECT: string;
/** Who waits for the next URL Chromium is sent to on the Grafana stand-in. */
let nextGrafanaUrl: (url: string) => void = () => undefined;
const grafanaVisit = (): Promise<URL> =>
  new Promise((resolve) => (nextGrafanaUrl = (u) => resolve(new URL(u, GRAFANA))));

/** The API as main.ts builds it, on the one store file and STATE_DIR: called again, a restart. */
function startApi(accessTokenSeconds = TTL_SECONDS): void {
  const base = testDeps({ vmUrl });
  deps = {
    ...base,
    store: new SqliteStore(join(dir, 'accounts.sqlite')),
    oidc: undefined,
  };
  deps = {
    ...deps,
    oidc: buildProvider({
      apiPublicUrl: `http://127.0.0.1:${port}`,
      grafanaPublicUrl: GRAFANA,
      grafanaClientSecret: SECRET,
      keys: loadOidcKeys(dir),
      store: deps.store,
      accessTokenSeconds,
    }),
  };
  const cb = buildApp(deps).callback();
  callback = (req, res) => void cb(req, res);
}

before(async () => {
  vmUrl = (await testVictoriaMetrics()).url;
  grafana = createServer((req, res) => {
    // Chromium asks every new origin for its icon: not a page it was sent to.
    if (req.url === '/favicon.ico') return void res.writeHead(404).end();
    nextGrafanaUrl(req.url ?? '/');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Grafana</p>');
  });
  await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
  GRAFANA = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
  REDIRECT = `${GRAFANA}/login/generic_oauth`;
  server = createServer((req, res) => callback(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  startApi();
  const app = buildApp(deps);
  a = await register(app);
  b = await register(app);
  // B's values end in .4321: any of them in A's answers is a leak.
  const at = Date.now() - 60_000;
  const lines = [
    `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} 5 ${at}`,
    `${POWER_SERIES}{household="${b.householdId}",device="pi",socket="0"} 98765.4321 ${at}`,
    `${POWER_SERIES}{household="${b.householdId}",device="secret",socket="9"} 8765.4321 ${at}`,
  ];
  // Half an hour of both households behind every panel of the board, and a
  // written-back day at the board's local midnight (BOARD_ZONE).
  const midnight = parseDateMath('now/d', Date.now(), BOARD_ZONE);
  for (let m = 30; m >= 2; m--) {
    const t = Date.now() - m * 60_000;
    lines.push(
      `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="1"} 120 ${t}`,
      `${ENERGY_SERIES}{household="${a.householdId}",device="pi",socket="1"} ${(30 - m) * 7200} ${t}`,
      `${POWER_SERIES}{household="${b.householdId}",device="secret",socket="9"} 7765.4321 ${t}`,
      `${ENERGY_SERIES}{household="${b.householdId}",device="secret",socket="9"} ${(30 - m) * 9000 + 0.4321} ${t}`,
    );
  }
  // Yesterday too, a closed day as the write-back stamps it: VictoriaMetrics leaves a range's last
  // point out when `end` is a whole number of steps and a sample sits exactly there (today's
  // midnight in UTC), so the daily panels, which end at today's midnight, show yesterday.
  lines.push(
    `${DAILY_KWH_SERIES}{household="${a.householdId}",device="pi",socket="1"} 2.5 ${midnight - 86_400_000}`,
    `${DAILY_COST_SERIES}{household="${a.householdId}",device="pi",socket="1",currency="EUR"} 0.75 ${midnight - 86_400_000}`,
    `${DAILY_KWH_SERIES}{household="${a.householdId}",device="pi",socket="1"} 2.5 ${midnight}`,
    `${DAILY_COST_SERIES}{household="${a.householdId}",device="pi",socket="1",currency="EUR"} 0.75 ${midnight}`,
    `${DAILY_KWH_SERIES}{household="${b.householdId}",device="secret",socket="9"} 65.4321 ${midnight}`,
    `${DAILY_COST_SERIES}{household="${b.householdId}",device="secret",socket="9",currency="EUR"} 19.4321 ${midnight}`,
  );
  const res = await fetch(`${vmUrl}/api/v1/import/prometheus`, {
    method: 'POST',
    body: `${lines.join('\n')}\n`,
  });
  assert.equal(res.status, 204);
  await fetch(`${vmUrl}/internal/force_flush`);
  config = await client.discovery(
    new URL(`http://127.0.0.1:${port}/oidc`),
    GRAFANA_CLIENT_ID,
    undefined,
    client.ClientSecretBasic(SECRET),
    { execute: [client.allowInsecureRequests] },
  );
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  grafana?.closeAllConnections();
  await new Promise((r) => grafana?.close(r));
  rmSync(profile, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** Starts an authorization in Chromium; resolves with Grafana's callback URL once Chromium is sent there. */
async function authorize(signIn?: (page: Page) => Promise<void>) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid email profile offline_access household',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const visit = grafanaVisit();
  await page.goto(url.href);
  if (signIn) await signIn(page);
  const at = await visit;
  assert.equal(at.pathname, '/login/generic_oauth');
  return { at, verifier, state };
}

/** A zone whose day began at least an hour ago, so that "today" holds the half hour of data. */
const BOARD_ZONE = new Date().getUTCHours() >= 2 ? 'UTC' : 'America/New_York';
const BOARD = new URL('../../../grafana/dashboards/household/household-energy.json', import.meta.url);

const prometheus = (path: string, authorization: string) =>
  fetch(`http://127.0.0.1:${port}/prometheus/api/v1/${path}`, { headers: { authorization } });
const query = (q: string) => `query?query=${encodeURIComponent(q)}&time=${Math.ceil(Date.now() / 1000)}`;

test(
  'Grafana signs in with the code flow and PKCE, reads only its household, refreshes across a restart, loses access when revoked, expired or logged out',
  { timeout: 30_000 },
  async () => {
    // The portal's login form; a wrong password is said on it and nothing is lost.
    const first = await authorize(async (p) => {
      await p.waitForSelector('form.card.narrow input#email');
      assert.equal(await p.locator('h1').textContent(), 'Log in');
      await p.fill('#email', a.email);
      await p.fill('#password', 'not the passphrase');
      await p.click('button[type=submit]');
      await p.waitForSelector('.status.error');
      assert.match((await p.locator('.status.error').textContent()) ?? '', /email or password is wrong/);
      await p.fill('#password', a.password);
      await p.click('button[type=submit]');
    });
    // No consent page came between the login form and Grafana's callback.
    const tokens = await client.authorizationCodeGrant(config, first.at, {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
    });
    const claims = tokens.claims();
    assert.equal(claims?.sub, a.userId);
    assert.equal(claims?.email, a.email);
    assert.equal(claims?.name, a.email);
    assert.equal(claims?.household, a.householdId);
    assert.equal(claims?.role, 'owner');
    assert.ok(tokens.refresh_token, 'the first-party client gets a refresh token');
    assert.doesNotMatch(tokens.access_token, /\./, 'access tokens are opaque');

    // Bearer, and basic auth's password as promtool sends it: A's series and nothing of B's.
    const leaks = (text: string) =>
      text.includes(b.householdId) || text.includes('.4321') || text.includes('secret');
    const basic = `Basic ${Buffer.from(`grafana:${tokens.access_token}`).toString('base64')}`;
    for (const authorization of [`Bearer ${tokens.access_token}`, basic]) {
      const r = await prometheus(query(POWER_SERIES), authorization);
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.ok(text.includes(a.householdId) && !leaks(text), text);
    }
    // The hostile queries of read-path.test.ts, with the OpenID Connect token.
    for (const q of hostilePromql(a.householdId, b.householdId)) {
      for (const smuggle of smuggledFilters(b.householdId)) {
        const r = await prometheus(query(q) + smuggle, `Bearer ${tokens.access_token}`);
        assert.ok(r.status < 500, `${q}: ${r.status}`);
        const body = (await r.json()) as { data?: unknown };
        assert.ok(!leaks(JSON.stringify(body.data ?? null)), `${q}${smuggle} leaks`);
      }
    }
    const labels = await prometheus('label/household/values', `Bearer ${tokens.access_token}`);
    assert.deepEqual(((await labels.json()) as { data: string[] }).data, [a.householdId]);

    // Refresh; then the API restarts on the same store and STATE_DIR: both tokens stay good.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${refreshed.access_token}`)).status, 200);
    await deps.store.close();
    startApi();
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${refreshed.access_token}`)).status, 200);
    const afterRestart = await client.refreshTokenGrant(
      config,
      refreshed.refresh_token ?? tokens.refresh_token,
    );
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${afterRestart.access_token}`)).status, 200);

    // Expired: the first access token outlived its lifetime.
    await sleep(Math.max(0, (tokens.expiresIn() ?? TTL_SECONDS) * 1000 + 1000));
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${tokens.access_token}`)).status, 401);
    // Revoked: refused at once, and (oidc-provider revokes a grant's tokens together) its refresh token too.
    const live = afterRestart.refresh_token ?? refreshed.refresh_token ?? tokens.refresh_token;
    const last = await client.refreshTokenGrant(config, live);
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${last.access_token}`)).status, 200);
    await client.tokenRevocation(config, last.access_token);
    assert.equal((await prometheus(query(POWER_SERIES), `Bearer ${last.access_token}`)).status, 401);
    await assert.rejects(client.refreshTokenGrant(config, last.refresh_token ?? live));

    // Signed in still (the session outlived the restart): no login form this time.
    const second = await authorize();
    const again = await client.authorizationCodeGrant(config, second.at, {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
    });
    // Logout ends the session and the refresh tokens bound to it; the next sign-in asks again.
    const landed = grafanaVisit();
    await page.goto(
      client.buildEndSessionUrl(config, {
        id_token_hint: again.id_token ?? '',
        post_logout_redirect_uri: `${GRAFANA}/login`,
      }).href,
    );
    await page.click('button[name=logout]');
    assert.equal((await landed).pathname, '/login');
    await assert.rejects(client.refreshTokenGrant(config, again.refresh_token ?? ''));
    await page.goto(
      client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: 'openid household',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href,
    );
    await page.waitForSelector('form.card.narrow input#email');
  },
);

test(
  "every panel query of the household board, with Grafana's forwarded access token, answers with the household's data and nothing of another's",
  { timeout: 30_000 },
  async () => {
    // A restart with longer-lived access tokens: the board's queries must not race the 4 s expiry above.
    await deps.store.close();
    startApi(300);
    const flow = await authorize(async (p) => {
      await p.waitForSelector('form.card.narrow input#email');
      await p.fill('#email', a.email);
      await p.fill('#password', a.password);
      await p.click('button[type=submit]');
    });
    const tokens = await client.authorizationCodeGrant(config, flow.at, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
    });
    const board = JSON.parse(readFileSync(BOARD, 'utf8')) as unknown;
    const queries = boardPanelQueries(board, { nowMs: Date.now(), timeZone: BOARD_ZONE });
    assert.ok(queries.length >= 10, `the board has ${queries.length} queries`);
    const answered = new Set<string>();
    for (const q of queries) {
      const { path, params } = panelQueryRequest(q);
      const r = await fetch(`http://127.0.0.1:${port}/prometheus${path}?${params}`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      const text = await r.text();
      assert.equal(r.status, 200, `${q.panel}: ${text}`);
      assert.ok(
        !text.includes(b.householdId) && !text.includes('.4321') && !text.includes('secret'),
        `${q.panel} leaks: ${text}`,
      );
      const body = JSON.parse(text) as { status: string; data: { result: unknown[] } };
      assert.equal(body.status, 'success', q.panel);
      if (body.data.result.length > 0) answered.add(q.panel);
    }
    // Every panel but the 12-month bars (30-day steps that may end before the half hour) shows A's data.
    const expected = queries.map((q) => q.panel).filter((p) => !p.startsWith('kWh per month'));
    assert.deepEqual(
      expected.filter((p) => !answered.has(p)),
      [],
      'panels without the household’s data',
    );
  },
);
