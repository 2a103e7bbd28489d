import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildApp } from './app.js';
import type { AppDeps } from './deps.js';
import { freshPortal } from './portal/test-portal.js';
import { register, testDeps, type Account } from './test-support/test-deps.js';

/* A real page load in headless Chromium: Faro's web vitals and the page's API calls reach the API's histograms. */
let server: Server;
let browser: BrowserContext;
let deps: AppDeps;
let base: string;
let account: Account;
const profile = mkdtempSync(join(tmpdir(), 'api-rum-chromium-'));

before(async () => {
  deps = testDeps({ portal: await freshPortal() });
  const app = buildApp(deps);
  account = await register(app, { timeZone: 'Europe/Berlin' });
  const cb = app.callback();
  server = createServer((req, res) => void cb(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

/** The count of one histogram series on /metrics, 0 when absent. */
async function count(series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

test('a page load reports its web vitals and API calls, which reach the histograms by route template', async () => {
  const page = await browser.newPage();
  await page.goto(base);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await page.click('button[type=submit]');
  await page.locator('#who').filter({ hasText: account.email }).waitFor({ timeout: 15_000 });
  // LCP and CLS are final when the page is hidden (the user switches tabs
  // or leaves); headless Chromium never hides a page, so say it did.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const wanted = [
    'api_rum_web_vital_seconds_count{vital="lcp"}',
    'api_rum_web_vital_seconds_count{vital="ttfb"}',
    'api_rum_web_vital_seconds_count{vital="fcp"}',
    'api_rum_cumulative_layout_shift_count',
    'api_rum_api_call_seconds_count{route="/api/v1/auth/login"}',
  ];
  let counts: number[] = [];
  for (let i = 0; i < 100; i++) {
    counts = await Promise.all(wanted.map(count));
    if (counts.every((n) => n > 0)) break;
    await sleep(100);
  }
  assert.deepEqual(
    Object.fromEntries(wanted.map((w, i) => [w, (counts[i] ?? 0) > 0])),
    Object.fromEntries(wanted.map((w) => [w, true])),
  );
  // Nothing the browser fetched shows up as a raw URL.
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.doesNotMatch(text, /api_rum_api_call_seconds_count\{route="http/);
  await page.close();
});
