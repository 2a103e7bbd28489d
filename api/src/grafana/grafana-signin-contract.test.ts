/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- JSON answers */
// The sign-in half of the real-Grafana contract: a household's member signs
// in through generic OAuth (the API's OpenID Connect provider) in headless
// Chromium, opens the household's board, every panel's queries answer with
// the household's data and nothing of another household's, and the other
// household's folder and board are refused. It needs the whole chain, so it
// runs only when all of it is given (api/README.md says how):
//   GRAFANA_URL, GRAFANA_ADMIN_PASSWORD — the Grafana (grafana/grafana.ini),
//   GRAFANA_CONTRACT_API_URL — the API Grafana signs in at (its
//     API_PUBLIC_URL, running with GRAFANA_URL set to this Grafana),
//   GRAFANA_CONTRACT_VM_URL — the VictoriaMetrics behind that API.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { POWER_SERIES } from '@energy/lib/series';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { boardUidOf, folderUidOf } from './grafana-provisioner.js';

const grafanaUrl = process.env.GRAFANA_URL?.replace(/\/+$/, '');
const adminUser = process.env.GRAFANA_ADMIN_USER ?? 'admin';
const adminPassword = process.env.GRAFANA_ADMIN_PASSWORD;
const apiUrl = process.env.GRAFANA_CONTRACT_API_URL?.replace(/\/+$/, '');
const vmUrl = process.env.GRAFANA_CONTRACT_VM_URL?.replace(/\/+$/, '');
const skip =
  !grafanaUrl || !adminPassword || !apiUrl || !vmUrl
    ? 'GRAFANA_URL, GRAFANA_ADMIN_PASSWORD, GRAFANA_CONTRACT_API_URL and GRAFANA_CONTRACT_VM_URL are not all set: no real Grafana and API to sign in through (see api/README.md)'
    : false;

interface Home {
  readonly email: string;
  readonly password: string;
  readonly householdId: string;
}

async function register(name: string): Promise<Home> {
  const email = `${name}-${process.pid}-${Date.now()}@example.com`;
  const password = 'a fine long passphrase';
  const res = await fetch(`${apiUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, householdName: `Contract ${name}` }),
  });
  const body: any = await res.json();
  assert.ok(res.ok, JSON.stringify(body));
  return { email, password, householdId: body.household?.id ?? body.householdId };
}

/** What Grafana holds, as its admin: the provisioning queue works in the background. */
async function provisioned(h: Home): Promise<void> {
  const auth = `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`;
  const end = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${grafanaUrl}/api/dashboards/uid/${boardUidOf(h.householdId)}`, {
      headers: { authorization: auth },
    });
    const user = await fetch(`${grafanaUrl}/api/users/lookup?loginOrEmail=${encodeURIComponent(h.email)}`, {
      headers: { authorization: auth },
    });
    if (res.ok && user.ok) return;
    if (Date.now() > end) throw new Error(`the board of ${h.householdId} was not provisioned in 2 minutes`);
    await sleep(500);
  }
}

if (skip) test('grafana sign-in contract (real Grafana and API)', { skip }, () => {});
else signInContract();

function signInContract(): void {
  describe('grafana sign-in contract (real Grafana and API)', () => {
    let browser: BrowserContext | undefined;
    let page: Page;
    let a: Home;
    let b: Home;

    before(async () => {
      [a, b] = [await register('a'), await register('b')];
      // B's values end in .4321: any of them in A's panels is a leak.
      const at = Date.now() - 60_000;
      const lines = [
        `${POWER_SERIES}{household="${a.householdId}",device="pi",socket="0"} 5 ${at}`,
        `${POWER_SERIES}{household="${b.householdId}",device="pi",socket="0"} 98765.4321 ${at}`,
        `${POWER_SERIES}{household="${b.householdId}",device="secret",socket="9"} 8765.4321 ${at}`,
      ];
      const res = await fetch(`${vmUrl}/api/v1/import/prometheus`, {
        method: 'POST',
        body: `${lines.join('\n')}\n`,
      });
      assert.equal(res.status, 204);
      await fetch(`${vmUrl}/internal/force_flush`);
      await provisioned(a);
      await provisioned(b);
      browser = await chromium.launchPersistentContext(
        mkdtempSync(join(tmpdir(), 'grafana-contract-chromium-')),
        {
          executablePath: '/usr/bin/chromium',
          headless: true,
          args: ['--no-sandbox'],
          // Tall enough that every panel is in view: Grafana queries only the panels it shows.
          viewport: { width: 1600, height: 8000 },
        },
      );
      page = browser.pages()[0] ?? (await browser.newPage());
    });

    after(async () => {
      await browser?.close();
    });

    test('sign in through generic OAuth; the board’s every panel answers with the household’s data; another household’s folder is refused', async () => {
      // auto_login: Grafana's login page sends the browser to the API's sign-in page.
      await page.goto(`${grafanaUrl}/login`);
      await page.waitForURL((u) => u.href.startsWith(`${apiUrl}/`));
      await page.fill('#email', a.email);
      await page.fill('#password', a.password);
      await page.click('button[type=submit]');
      // Consent is skipped for the first-party client: straight back into Grafana, signed in.
      await page.waitForURL((u) => u.href.startsWith(`${grafanaUrl}/`) && !u.pathname.startsWith('/login'));
      const me = await page.evaluate(async () => (await fetch('/api/user')).json());
      assert.equal(me.email, a.email);

      // The board as the member opens it: every query the panels send, and their answers.
      const answers: { status: number; body: any }[] = [];
      page.on('response', (r) => {
        if (!r.url().includes('/api/ds/query')) return;
        answers.push({ status: r.status(), body: null });
        const slot = answers.length - 1;
        r.json().then(
          (body: unknown) => {
            const it = answers[slot];
            if (it) it.body = body;
          },
          () => {},
        );
      });
      await page.goto(`${grafanaUrl}/d/${boardUidOf(a.householdId)}?from=now-6h&to=now`);
      await page.waitForLoadState('networkidle');
      const board: any = await page.evaluate(
        async (uid) => (await fetch(`/api/dashboards/uid/${uid}`)).json(),
        boardUidOf(a.householdId),
      );
      const panels = (board.dashboard.panels as any[]).flatMap((p) =>
        p.type === 'row' ? (p.panels ?? []) : [p],
      );
      const targets = panels.reduce((n, p) => n + ((p.targets as unknown[] | undefined)?.length ?? 0), 0);
      const results = answers.flatMap((x) => Object.values((x.body?.results ?? {}) as Record<string, any>));
      assert.ok(targets > 0, 'the board has queries');
      assert.ok(results.length >= targets, `every panel query was sent: ${results.length} of ${targets}`);
      for (const x of answers) assert.equal(x.status, 200, JSON.stringify(x.body));
      for (const r of results) assert.equal(r.error, undefined, JSON.stringify(r));
      const text = JSON.stringify(answers.map((x) => x.body));
      assert.ok(
        !text.includes(b.householdId) && !text.includes('.4321') && !text.includes('secret'),
        'nothing of B',
      );
      // The power panel shows A's reading (5 W), forwarded with A's own token.
      assert.ok(
        results.some((r) => JSON.stringify(r.frames ?? []).includes(a.householdId)),
        'A’s data is there',
      );

      // B's folder and board: refused to A (only B's team may open them).
      const refused = await page.evaluate(
        async ([folder, board]) => [
          (await fetch(`/api/folders/${folder}`)).status,
          (await fetch(`/api/dashboards/uid/${board}`)).status,
        ],
        [folderUidOf(b.householdId), boardUidOf(b.householdId)] as const,
      );
      for (const status of refused)
        assert.ok(status === 403 || status === 404, `B’s folder or board: ${status}`);
    });
  });
}
