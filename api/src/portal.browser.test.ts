import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { buildApp } from './app.js';
import { buildInternalApp } from './broker/internal-app.js';
import type { AppDeps } from './deps.js';
import { freshPortal } from './portal/test-portal.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

/*
 * The portal in headless Chromium on the API with a real VictoriaMetrics:
 * every page at 1280 and 375 px, axe-core on each, screenshots kept in
 * test-results/portal/, and an invitation accepted from its link.
 */
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const shots = join(process.cwd(), 'test-results', 'portal');
mkdirSync(shots, { recursive: true });
const QUARTER = 900_000;
let server: Server;
let browser: BrowserContext;
let deps: AppDeps;
let base: string;
let account: Account;
let cbOf: () => ReturnType<ReturnType<typeof buildApp>['callback']>;
const profile = mkdtempSync(join(tmpdir(), 'api-chromium-'));

before(async () => {
  const vm = await testVictoriaMetrics();
  deps = testDeps({ vmUrl: vm.url, portal: await freshPortal() });
  const app = buildApp(deps);
  account = await register(app, { timeZone: 'Europe/Berlin' });
  const auth = { authorization: `Bearer ${account.accessToken}` };
  const cb = app.callback();
  cbOf = () => cb;
  await request(cb).post('/api/v1/devices').set(auth).send({ name: 'Pi', id: 'pi' }).expect(201);
  for (const [n, name, role] of [
    [0, 'House', 'house-meter'],
    [1, 'Kettle', 'socket'],
    [2, 'Fridge', 'socket'],
  ] as const)
    await request(cb).put(`/api/v1/devices/pi/sockets/${n}`).set(auth).send({ name, role }).expect(200);
  // Three days of quarters: the meter 0.5 kWh a quarter, the kettle 0.2, the fridge 0.1 (so 0.2 untracked).
  const lines: string[] = [];
  const end = Math.floor(Date.now() / QUARTER) * QUARTER;
  const line = (series: string, socket: number, v: number, t: number) =>
    `${series}{household="${account.householdId}",device="pi",socket="${socket}"} ${v} ${t}`;
  for (let t = end - 3 * 86_400_000, q = 0; t <= end; t += QUARTER, q++) {
    lines.push(line('energy_socket_energy_joules_total', 0, q * 1_800_000, t));
    lines.push(line('energy_socket_energy_joules_total', 1, q * 720_000, t));
    lines.push(line('energy_socket_energy_joules_total', 2, q * 360_000, t));
  }
  const t = Date.now() - 30_000;
  lines.push(line('energy_socket_power_watts', 1, 2150, t), line('energy_socket_power_watts', 2, 80, t));
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: `${lines.join('\n')}\n`,
  });
  assert.equal(res.status, 204);
  await vm.forceFlush();
  // One household alert, through the Alertmanager webhook as in production.
  await request(buildInternalApp(deps, 'k').callback())
    .post('/internal/alertmanager?key=k')
    .send({
      version: '4',
      status: 'firing',
      receiver: 'households',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighStandby', household: account.householdId, device: 'pi' },
          annotations: { summary: 'The kettle draws power while idle' },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ],
    })
    .expect(200);
  server = createServer((req, r) => void cb(req, r));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A fresh profile folder per run: nothing carried over between runs.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1280, height: 900 },
    // The portal's CSP forbids inline scripts; axe-core is injected as one.
    bypassCSP: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await deps?.store.close();
  rmSync(profile, { recursive: true, force: true });
});

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
}

/** Both widths: no sideways scroll, a screenshot, and no serious or critical axe violation. */
async function check(
  page: Page,
  name: string,
  path: string,
  ready: string,
  errors: string[] = [],
): Promise<void> {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${base}${path}`);
    await page
      .locator(ready)
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(async (err: unknown) => {
        throw new Error(
          `${name}: ${String(err)}; the page says: ${await page.textContent('main')}; ${errors.join('; ')}`,
        );
      });
    const over = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(over <= 0, `${name} at ${width} px scrolls sideways by ${over} px`);
    await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate<AxeResult>(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
    );
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      bad.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`),
      [],
      `${name} at ${width} px`,
    );
  }
}

test('the server answers each portal path with the shell, caches hashed files, and 404s unknown API paths', async () => {
  const shell = await fetch(`${base}/devices/pi`);
  assert.equal(shell.status, 200);
  const html = await shell.text();
  assert.match(html, /<main id="view"/);
  const etag = shell.headers.get('etag') ?? '';
  assert.equal(
    (await fetch(`${base}/history?period=week`, { headers: { 'if-none-match': etag } })).status,
    304,
  );
  const js = /src="(\/portal\/portal-[A-Z0-9]+\.js)"/.exec(html)?.[1] ?? '';
  const asset = await fetch(`${base}${js}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  const unknown = await fetch(`${base}/api/v1/nothing-here`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'not_found');
});

test('every page at 1280 and 375 px, with history navigation, reload and back', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // HTTP refusals are the page's to explain (and RUM throttles a busy test); script errors are not.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(`${base}/history`);
  // Not logged in: the login page, which comes back to the page asked for.
  await page.waitForURL(/\/login\?next=%2Fhistory/);
  await page.fill('#email', account.email);
  await page.fill('#password', 'wrong password');
  await page.click('button[type=submit]');
  await page
    .locator('.status.error')
    .filter({ hasText: 'That e-mail address or password is wrong.' })
    .waitFor();
  await page.fill('#password', account.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/history`);
  await page.locator('#chart .uplot').waitFor({ timeout: 15_000 });

  await check(page, 'overview', '/', '#power-now .big');
  assert.equal(await page.textContent('#power-now .big'), '2.23 kW');
  assert.match((await page.textContent('#today .big')) ?? '', /kWh/);

  // Keyboard: a page opens with focus on its heading, and Tab goes on to its first control.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('main')?.id), 'view');

  await check(page, 'history', '/history?period=day', '#chart .uplot');
  // The household total is the house meter; untracked is what the sockets do not explain.
  const untracked = page.locator('td', { hasText: 'Untracked (house meter minus sockets)' });
  await untracked.waitFor();
  const title = await page.textContent('#period-title');
  await page.click('text=‹ Previous');
  await page
    .locator('#period-title')
    .filter({ hasNotText: title ?? '' })
    .waitFor();
  assert.match(page.url(), /date=\d{4}-\d{2}-\d{2}/);
  const prevTitle = await page.textContent('#period-title');
  await page.reload();
  await page
    .locator('#period-title')
    .filter({ hasText: prevTitle ?? '' })
    .waitFor();
  await page.goBack();
  await page
    .locator('#period-title')
    .filter({ hasText: title ?? '' })
    .waitFor();
  await page.selectOption('#period', 'month');
  await page.waitForURL(/period=month/);
  await page.locator('#chart .uplot').waitFor();

  await check(page, 'devices', '/devices', 'a[href="/devices/pi"]');
  await page.click('text=Get a pairing code');
  await page.locator('#pair-code .code').waitFor();

  await check(page, 'device', '/devices/pi', '#sock-1-name');
  await page.fill('#sock-1-name', 'Electric kettle');
  await page.locator('form[aria-label="Socket 1"] button').click();
  await page.locator('form[aria-label="Socket 1"] .status.ok').waitFor();
  await page.fill('#mute-until', '2030-07-01T18:30');
  await page.fill('#grace', '30');
  await page.click('text=Save alert settings');
  await page.locator('.status.ok').filter({ hasText: 'Alert settings saved.' }).waitFor();
  // The mute was typed in the household's zone (Berlin, summer time: UTC+2).
  const dev = await request(cbOf())
    .get('/api/v1/devices/pi')
    .set('authorization', `Bearer ${account.accessToken}`)
    .expect(200);
  assert.deepEqual((dev.body as { alerts: unknown }).alerts, {
    muteUntil: '2030-07-01T16:30:00.000Z',
    offlineGraceMinutes: 30,
  });

  await check(page, 'notifications', '/notifications', '#notifications a[href="/devices/pi"]');
  assert.match((await page.textContent('#notifications')) ?? '', /Alert.*The kettle draws power while idle/);
  await page.click('#notifications a[href="/devices/pi"]');
  await page.waitForURL(`${base}/devices/pi`);
  await page.locator('#sock-1-name').waitFor();
  await check(page, 'household', '/household', '#tariff-preview table', errors);
  await page.fill('#token-name', 'Home Assistant');
  await page.click('text=Create token');
  assert.match((await page.locator('#new-token').textContent()) ?? '', /\S{16,}/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an invitation accepted from its link logs the invitee in', async () => {
  const email = `invitee-${Date.now()}@example.com`;
  // The link the invitation mail carries (PUBLIC_URL/invite#token=…&email=…), opened on this server.
  const inv = await request(cbOf())
    .post('/api/v1/household/invites')
    .set('authorization', `Bearer ${account.accessToken}`)
    .send({ role: 'viewer', email })
    .expect(201);
  const link = new URL((inv.body as { link: string }).link);
  assert.equal(link.pathname, '/invite');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}${link.pathname}${link.hash}`);
  await page.locator('#invite-password').waitFor();
  assert.equal(await page.inputValue('#invite-email'), email);
  await page.screenshot({ path: join(shots, 'invite-375.png'), fullPage: true });
  await page.fill('#invite-password', 'correct horse battery staple');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
  await page.locator('#who').filter({ hasText: email }).waitFor();
  await page.close();
});
