import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boardUidOf,
  folderUidOf,
  GrafanaError,
  orgNameOf,
  teamNameOf,
  type HouseholdForGrafana,
} from './grafana-provisioner.js';
import { DATASOURCE_UID, HttpGrafana } from './http-grafana.js';

// The contract of HttpGrafana, checked against a real Grafana only (the
// version compose pins). No Grafana can run on the build machines, so
// without GRAFANA_URL (and the admin password) the suite is skipped and says
// so; api/README.md says how to run it. The same calls are made against the
// stand-in in every run (test-support/grafana-standin.ts).
const url = process.env.GRAFANA_URL;
const adminUser = process.env.GRAFANA_ADMIN_USER ?? 'admin';
const adminPassword = process.env.GRAFANA_ADMIN_PASSWORD;
const skip =
  !url || !adminPassword
    ? 'GRAFANA_URL and GRAFANA_ADMIN_PASSWORD are not set: no real Grafana to test against (see api/README.md)'
    : false;

const API_URL = 'http://127.0.0.1:9'; // stored, never called: the suite checks what Grafana holds.

function household(members: string[] = []): HouseholdForGrafana {
  const id = randomUUID().replaceAll('-', '').slice(0, 20);
  return {
    id,
    name: 'Contract home',
    timeZone: 'Europe/Berlin',
    currency: 'CHF',
    pricePerKwh: 0.31,
    sockets: [{ device: 'plug-1', socket: 0, name: 'Fridge' }],
    members: members.map((m, i) => ({ email: `${m}-${id}@example.com`, role: i === 0 ? 'owner' : 'member' })),
  };
}

/** Grafana's own API, to look at what the adapter left behind. */
async function admin<T = Record<string, unknown>>(
  path: string,
  orgId?: number,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: {
      authorization: `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`,
      'content-type': 'application/json',
      ...(orgId === undefined ? {} : { 'x-grafana-org-id': String(orgId) }),
    },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

// A skipped test (not a skipped suite) so the run's summary counts it as skipped.
if (skip) test('grafana contract (real Grafana)', { skip }, () => {});
else contract();

function contract(): void {
  describe('grafana contract (real Grafana)', () => {
    const grafana = (orgs = 1): HttpGrafana =>
      new HttpGrafana({
        url: url ?? '',
        adminUser,
        adminPassword: adminPassword ?? '',
        apiUrl: API_URL,
        orgs,
      });
    const made: HouseholdForGrafana[] = [];
    after(async () => {
      for (const h of made)
        await grafana().deleteHousehold(
          h.id,
          h.members.map((m) => m.email),
        );
    });

    test('a household gets a team with its members, a folder only the team opens, and its board', async () => {
      const h = household(['owner', 'member']);
      made.push(h);
      const out = await grafana().syncHousehold(h);
      assert.equal(out.orgId, 1);
      assert.equal(out.dashboardUid, boardUidOf(h.id));

      const ds = await admin<{ jsonData: { oauthPassThru?: boolean }; url: string }>(
        `/api/datasources/uid/${DATASOURCE_UID}`,
        1,
      );
      assert.equal(ds.status, 200);
      assert.equal(ds.body.jsonData.oauthPassThru, true);

      const teams = await admin<{ teams: { id: number }[] }>(`/api/teams/search?name=${teamNameOf(h.id)}`, 1);
      const teamId = teams.body.teams[0]?.id;
      assert.ok(teamId);
      const members = await admin<{ email: string }[]>(`/api/teams/${teamId}/members`, 1);
      assert.deepEqual(
        members.body
          .map((m) => m.email)
          .filter((e) => e.endsWith('@example.com'))
          .sort(),
        h.members.map((m) => m.email).sort(),
      );

      const perms = await admin<{ teamId: number; userId: number; role?: string; permission: number }[]>(
        `/api/folders/${folderUidOf(h.id)}/permissions`,
        1,
      );
      assert.equal(perms.status, 200);
      assert.ok(perms.body.some((p) => p.teamId === teamId && p.permission === 1));
      assert.ok(!perms.body.some((p) => p.role === 'Viewer' || p.role === 'Editor'), 'no role-wide access');

      const board = await admin<{
        dashboard: { timezone: string; version: number };
        meta: { folderUid: string };
      }>(`/api/dashboards/uid/${boardUidOf(h.id)}`, 1);
      assert.equal(board.body.meta.folderUid, folderUidOf(h.id));
      assert.equal(board.body.dashboard.timezone, 'Europe/Berlin');
      assert.match(JSON.stringify(board.body.dashboard), /"Fridge"/);

      // Again: nothing changes (the board keeps its version).
      await grafana().syncHousehold(h);
      const again = await admin<{ dashboard: { version: number } }>(
        `/api/dashboards/uid/${boardUidOf(h.id)}`,
        1,
      );
      assert.equal(again.body.dashboard.version, board.body.dashboard.version);
    });

    test('a member removed leaves the team and Grafana', async () => {
      const h = household(['owner', 'member']);
      made.push(h);
      await grafana().syncHousehold(h);
      await grafana().syncHousehold({ ...h, members: h.members.slice(0, 1) });
      const gone = await admin(
        `/api/users/lookup?loginOrEmail=${encodeURIComponent(h.members[1]?.email ?? '')}`,
      );
      assert.equal(gone.status, 404);
    });

    test('households spread over shared organisations: GRAFANA_ORGS=3 makes and reuses them', async () => {
      const hs = [household(['o']), household(['o']), household(['o'])];
      made.push(...hs);
      const orgIds = new Set<number>();
      for (const h of hs) orgIds.add((await grafana(3).syncHousehold(h)).orgId);
      for (const h of hs)
        await grafana(3).deleteHousehold(
          h.id,
          h.members.map((m) => m.email),
        );
      assert.ok(orgIds.size >= 1);
    });

    test('the organisation of before is removed by the migration', async () => {
      const h = household();
      const pre = await admin<{ orgId: number }>('/api/orgs', undefined, {
        method: 'POST',
        body: JSON.stringify({ name: orgNameOf(h.id) }),
      });
      assert.equal(pre.status, 200);
      assert.equal(await grafana().deleteLegacyOrg(h.id), true);
      assert.equal((await admin(`/api/orgs/name/${orgNameOf(h.id)}`)).status, 404);
      assert.equal(await grafana().deleteLegacyOrg(h.id), false);
    });

    test('deleting removes folder, board, team and users; again finds none', async () => {
      const h = household(['owner']);
      await grafana().syncHousehold(h);
      const logins = h.members.map((m) => m.email);
      assert.deepEqual(await grafana().deleteHousehold(h.id, logins), { deleted: true });
      assert.equal((await admin(`/api/dashboards/uid/${boardUidOf(h.id)}`, 1)).status, 404);
      assert.deepEqual(await grafana().deleteHousehold(h.id, logins), { deleted: false });
    });

    test('a wrong admin password is a permanent error', async () => {
      const bad = new HttpGrafana({
        url: url ?? '',
        adminUser,
        adminPassword: 'not-the-password',
        apiUrl: API_URL,
      });
      await assert.rejects(bad.syncHousehold(household()), (err: unknown) => {
        assert.ok(err instanceof GrafanaError);
        assert.equal(err.retryable, false);
        assert.equal(err.status, 401);
        return true;
      });
    });
  });
}
