import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testVictoriaMetrics } from '@energy/lib/testkit/index';
import { chromium, type BrowserContext } from 'playwright-core';
import request from 'supertest';
import { buildApp } from './app.js';
import type { AppDeps } from './deps.js';
import { freshPortal } from './portal/test-portal.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

/* The portal in headless Chromium: log in, see live watts per socket. */
let server: Server;
let browser: BrowserContext;
let deps: AppDeps;
let base: string;
let account: Account;
const profile = mkdtempSync(join(tmpdir(), 'api-chromium-'));

before(async () => {
  const vm = await testVictoriaMetrics();
  deps = testDeps({ vmUrl: vm.url, portal: await freshPortal() });
  const app = buildApp(deps);
  account = await register(app, { timeZone: 'Europe/Berlin' });
  await request(app.callback())
    .post('/api/v1/devices')
    .set('authorization', `Bearer ${account.accessToken}`)
    .send({ name: 'Pi', id: 'pi' })
    .expect(201);
  await request(app.callback())
    .put('/api/v1/devices/pi/sockets/4')
    .set('authorization', `Bearer ${account.accessToken}`)
    .send({ name: 'Kettle' })
    .expect(200);
  const t = Date.now() - 30_000;
  const res = await fetch(`${vm.url}/api/v1/import/prometheus`, {
    method: 'POST',
    body: `energy_socket_power_watts{household="${account.householdId}",device="pi",socket="4"} 2150 ${t}\n`,
  });
  assert.equal(res.status, 204);
  await vm.forceFlush();
  const cb = app.callback();
  server = createServer((req, res) => void cb(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A fresh profile folder per run: nothing carried over between runs.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
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

test('log in and see live watts per socket', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await page.click('button[type=submit]');
  const row = page.locator('#live tr[data-socket="pi/4"]');
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.locator('td').nth(0).textContent(), 'Kettle');
  assert.equal(await row.locator('td').nth(1).textContent(), '2150.0 W');
  assert.match((await page.textContent('#who')) ?? '', new RegExp(account.email));
  // The day chart is drawn by uPlot.
  await page.locator('#chart .uplot').waitFor({ timeout: 15_000 });
  assert.deepEqual(errors, []);
});
