import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import { classifyAnswer, unanswered, type Answer, type Attempt } from './grafana-attempt.js';
import {
  boardUidOf,
  folderUidOf,
  GrafanaError,
  orgNameOf,
  shardOf,
  shardOrgName,
  teamNameOf,
  type GrafanaHousehold,
  type GrafanaTenants,
  type HouseholdForGrafana,
} from './grafana-provisioner.js';
import { householdDashboard, loadHouseholdDashboard, type Dashboard } from './household-dashboard.js';

/** The datasource's uid in every organisation (uids are per organisation); grafana/provisioning/ has the same. */
export const DATASOURCE_UID = 'energy-api';
export const DATASOURCE_NAME = 'Energy API';

/** Grafana's folder permission levels. */
const VIEW = 1;
const EDIT = 2;

export interface HttpGrafanaOptions {
  /** Grafana's base URL as the API reaches it (GRAFANA_URL). */
  readonly url: string;
  /** Grafana's base URL as people reach it (GRAFANA_PUBLIC_URL); default `url`. */
  readonly publicUrl?: string | undefined;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** The API's base URL as Grafana reaches it; the datasource points at `<this>/prometheus`. */
  readonly apiUrl: string;
  /** How many shared organisations households are spread over (GRAFANA_ORGS). */
  readonly orgs?: number;
  readonly timeoutMs?: number;
  /** Attempts per request for retryable failures; the queue retries the whole job after that. */
  readonly attempts?: number;
  readonly dashboard?: Dashboard;
}

export const GRAFANA_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 5_000 };

/**
 * Grafana's HTTP API as a server admin (basic auth): organisations and users
 * are server-admin endpoints, and `X-Grafana-Org-Id` selects the household's
 * shared organisation per request. Every step first reads what Grafana
 * holds and changes only what differs, so a repeated job changes nothing:
 * 409 on a taken name means "look it up and go on", 412 on a version
 * conflict means "read it again and retry".
 */
export class HttpGrafana implements GrafanaTenants {
  readonly configured = true;
  private readonly base: string;
  private readonly publicBase: string;
  private readonly apiUrl: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly orgs: number;
  private readonly dashboard: Dashboard;
  /** Shard → organisation id, once known (ids never change while Grafana keeps the organisation). */
  private readonly orgIds = new Map<number, number>([[0, 1]]);
  private readonly datasourceReady = new Set<number>();

  constructor(private readonly opts: HttpGrafanaOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.publicBase = (opts.publicUrl ?? opts.url).replace(/\/+$/, '');
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${opts.adminUser}:${opts.adminPassword}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, opts.attempts ?? 1);
    this.orgs = Math.max(1, opts.orgs ?? 1);
    this.dashboard = opts.dashboard ?? loadHouseholdDashboard();
  }

  boardUrl(householdId: string): string {
    const shard = shardOf(householdId, this.orgs);
    const orgId = this.orgIds.get(shard);
    return `${this.publicBase}/d/${boardUidOf(householdId)}${orgId === undefined ? '' : `?orgId=${orgId}`}`;
  }

  async syncHousehold(h: HouseholdForGrafana): Promise<GrafanaHousehold> {
    await this.deleteLegacyOrg(h.id);
    const orgId = await this.orgOf(h.id);
    await this.ensureDatasource(orgId);
    const teamId = await this.ensureTeam(orgId, h.id);
    const users = new Map<string, number>();
    for (const m of h.members) users.set(m.email, await this.ensureUser(orgId, m.email));
    await this.syncTeamMembers(orgId, teamId, new Set(users.values()));
    const folderUid = folderUidOf(h.id);
    await this.ensureFolder(orgId, folderUid, `${h.name} · ${h.id}`);
    const owners = h.members.filter((m) => m.role === 'owner').map((m) => users.get(m.email));
    await this.syncFolderPermissions(orgId, folderUid, [
      { teamId, permission: VIEW },
      ...owners.flatMap((userId) => (userId === undefined ? [] : [{ userId, permission: EDIT }])),
    ]);
    await this.putBoard(orgId, folderUid, householdDashboard(this.dashboard, h));
    return { url: this.boardUrl(h.id), orgId, dashboardUid: boardUidOf(h.id), folderUid };
  }

  async deleteHousehold(householdId: string, logins: readonly string[]): Promise<{ deleted: boolean }> {
    const orgId = await this.orgOf(householdId);
    // Deleting a folder deletes the boards in it.
    const folder = await this.call('DELETE', `/api/folders/${folderUidOf(householdId)}`, { orgId });
    if (folder.status !== 404) expectOk(folder, 'deleting the household folder');
    const teamId = await this.findTeam(orgId, householdId);
    let team = false;
    if (teamId !== undefined) {
      const res = await this.call('DELETE', `/api/teams/${teamId}`, { orgId });
      if (res.status !== 404) expectOk(res, 'deleting the household team');
      team = res.status !== 404;
    }
    for (const login of logins) {
      const id = await this.findUser(login);
      if (id === undefined) continue;
      const res = await this.call('DELETE', `/api/admin/users/${id}`);
      if (res.status !== 404) expectOk(res, 'deleting a member’s Grafana user');
    }
    return { deleted: folder.status !== 404 || team };
  }

  async deleteLegacyOrg(householdId: string): Promise<boolean> {
    const res = await this.call('GET', `/api/orgs/name/${encodeURIComponent(orgNameOf(householdId))}`);
    if (res.status === 404) return false;
    expectOk(res, 'looking up the organisation of before');
    const id = numberField(res.body, 'id', 'the organisation lookup');
    const del = await this.call('DELETE', `/api/orgs/${id}`);
    if (del.status === 404) return false;
    expectOk(del, 'deleting the organisation of before');
    return true;
  }

  /** The shared organisation of the household; made (and the admin added) on first use. */
  private async orgOf(householdId: string): Promise<number> {
    const shard = shardOf(householdId, this.orgs);
    const known = this.orgIds.get(shard);
    if (known !== undefined) return known;
    const name = shardOrgName(shard);
    const created = await this.call('POST', '/api/orgs', { body: { name } });
    let orgId: number;
    if (created.status === 409) {
      const found = await this.call('GET', `/api/orgs/name/${encodeURIComponent(name)}`);
      expectOk(found, 'looking up a shared organisation');
      orgId = numberField(found.body, 'id', 'the organisation lookup');
      // Made by another admin: X-Grafana-Org-Id needs membership.
      const join = await this.call('POST', `/api/orgs/${orgId}/users`, {
        body: { loginOrEmail: this.opts.adminUser, role: 'Admin' },
      });
      if (join.status !== 409) expectOk(join, 'adding the admin to a shared organisation');
    } else {
      expectOk(created, 'creating a shared organisation');
      orgId = numberField(created.body, 'orgId', 'the organisation create');
    }
    this.orgIds.set(shard, orgId);
    return orgId;
  }

  /** One datasource per organisation (grafana/provisioning/datasources/ has it for org 1). */
  private async ensureDatasource(orgId: number): Promise<void> {
    if (this.datasourceReady.has(orgId)) return;
    const existing = await this.call('GET', `/api/datasources/uid/${DATASOURCE_UID}`, { orgId });
    if (existing.status === 404) {
      const created = await this.call('POST', '/api/datasources', {
        orgId,
        body: {
          uid: DATASOURCE_UID,
          name: DATASOURCE_NAME,
          type: 'prometheus',
          url: `${this.apiUrl}/prometheus`,
          access: 'proxy',
          isDefault: true,
          jsonData: { httpMethod: 'POST', oauthPassThru: true },
        },
      });
      if (created.status !== 409) expectOk(created, 'creating the datasource');
    } else expectOk(existing, 'looking up the datasource');
    this.datasourceReady.add(orgId);
  }

  private async findTeam(orgId: number, householdId: string): Promise<number | undefined> {
    const name = teamNameOf(householdId);
    const res = await this.call('GET', `/api/teams/search?name=${encodeURIComponent(name)}`, { orgId });
    expectOk(res, 'looking up the household team');
    const teams = (res.body as { teams?: { id?: unknown; name?: unknown }[] }).teams ?? [];
    const t = teams.find((x) => x.name === name);
    return typeof t?.id === 'number' ? t.id : undefined;
  }

  private async ensureTeam(orgId: number, householdId: string): Promise<number> {
    const found = await this.findTeam(orgId, householdId);
    if (found !== undefined) return found;
    const res = await this.call('POST', '/api/teams', { orgId, body: { name: teamNameOf(householdId) } });
    if (res.status === 409) {
      const again = await this.findTeam(orgId, householdId);
      if (again === undefined)
        throw new GrafanaError('the team name is taken but the team is not found', true);
      return again;
    }
    expectOk(res, 'creating the household team');
    return numberField(res.body, 'teamId', 'the team create');
  }

  private async findUser(login: string): Promise<number | undefined> {
    const res = await this.call('GET', `/api/users/lookup?loginOrEmail=${encodeURIComponent(login)}`);
    if (res.status === 404) return undefined;
    expectOk(res, 'looking up a member’s Grafana user');
    return numberField(res.body, 'id', 'the user lookup');
  }

  /**
   * The member's Grafana user, made before their first sign-in so the team
   * holds them from the start; generic OAuth finds it by e-mail (grafana.ini,
   * `oauth_allow_insecure_email_lookup`: the API is the only identity provider).
   */
  private async ensureUser(orgId: number, email: string): Promise<number> {
    let id = await this.findUser(email);
    if (id === undefined) {
      const res = await this.call('POST', '/api/admin/users', {
        // A password nobody knows: members sign in through the API only.
        body: {
          name: email,
          email,
          login: email,
          password: randomBytes(24).toString('base64url'),
          OrgId: orgId,
        },
      });
      // 412: the login was taken meanwhile (a sign-in, another API process).
      if (res.status === 412) id = await this.findUser(email);
      else {
        expectOk(res, 'creating a member’s Grafana user');
        id = numberField(res.body, 'id', 'the user create');
      }
      if (id === undefined) throw new GrafanaError('the user exists by login but is not found', true);
    }
    if (orgId !== 1) {
      const join = await this.call('POST', `/api/orgs/${orgId}/users`, {
        body: { loginOrEmail: email, role: 'Viewer' },
      });
      if (join.status !== 409) expectOk(join, 'adding a member to the shared organisation');
    }
    return id;
  }

  private async syncTeamMembers(orgId: number, teamId: number, want: ReadonlySet<number>): Promise<void> {
    const res = await this.call('GET', `/api/teams/${teamId}/members`, { orgId });
    expectOk(res, 'listing the team members');
    const have = new Set(
      ((res.body ?? []) as { userId?: unknown; login?: unknown }[])
        .filter((m) => m.login !== this.opts.adminUser) // Grafana may list the creating admin
        .map((m) => m.userId)
        .filter((x): x is number => typeof x === 'number'),
    );
    for (const userId of want) {
      if (have.has(userId)) continue;
      const add = await this.call('POST', `/api/teams/${teamId}/members`, { orgId, body: { userId } });
      // 400 "User is already added to this team": a retry after a lost answer.
      if (add.status !== 400) expectOk(add, 'adding a team member');
    }
    for (const userId of have) {
      if (want.has(userId)) continue;
      const del = await this.call('DELETE', `/api/teams/${teamId}/members/${userId}`, { orgId });
      if (del.status !== 404) expectOk(del, 'removing a team member');
      // An account belongs to one household and leaving it deletes the account: so goes its Grafana user.
      const user = await this.call('DELETE', `/api/admin/users/${userId}`);
      if (user.status !== 404) expectOk(user, 'deleting a former member’s Grafana user');
    }
  }

  private async ensureFolder(orgId: number, uid: string, title: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await this.call('GET', `/api/folders/${uid}`, { orgId });
      if (got.status === 404) {
        const made = await this.call('POST', '/api/folders', { orgId, body: { uid, title } });
        if (made.status === 409) continue; // made meanwhile: read it again
        expectOk(made, 'creating the household folder');
        return;
      }
      expectOk(got, 'reading the household folder');
      const f = got.body as { title?: unknown; version?: unknown };
      if (f.title === title) return;
      const put = await this.call('PUT', `/api/folders/${uid}`, {
        orgId,
        body: { title, version: f.version },
      });
      if (put.status === 412) continue; // changed meanwhile: read it again
      expectOk(put, 'renaming the household folder');
      return;
    }
    throw new GrafanaError('the household folder kept changing under us', true, 412);
  }

  private async syncFolderPermissions(
    orgId: number,
    uid: string,
    want: readonly { teamId?: number; userId?: number; permission: number }[],
  ): Promise<void> {
    const res = await this.call('GET', `/api/folders/${uid}/permissions`, { orgId });
    expectOk(res, 'reading the folder permissions');
    const key = (x: { teamId?: unknown; userId?: unknown; role?: unknown; permission?: unknown }): string =>
      `${typeof x.role === 'string' ? x.role : ''}|${Number(x.teamId ?? 0)}|${Number(x.userId ?? 0)}|${Number(x.permission)}`;
    const have = ((res.body ?? []) as Record<string, unknown>[])
      .filter((x) => x.inherited !== true)
      .map(key)
      .sort();
    if (JSON.stringify(have) === JSON.stringify(want.map(key).sort())) return;
    // Replaces every entry: the Viewer and Editor role defaults go, only the team (and owners) stay.
    const set = await this.call('POST', `/api/folders/${uid}/permissions`, { orgId, body: { items: want } });
    expectOk(set, 'setting the folder permissions');
  }

  private async putBoard(orgId: number, folderUid: string, board: Dashboard): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await this.call('GET', `/api/dashboards/uid/${board.uid}`, { orgId });
      let version: unknown;
      if (got.status !== 404) {
        expectOk(got, 'reading the household board');
        const held = got.body as { dashboard?: Record<string, unknown>; meta?: { folderUid?: unknown } };
        if (held.meta?.folderUid === folderUid && sameBoard(held.dashboard ?? {}, board)) return;
        version = held.dashboard?.version;
      }
      const res = await this.call('POST', '/api/dashboards/db', {
        orgId,
        body: {
          dashboard: version === undefined ? board : { ...board, version },
          folderUid,
          overwrite: false,
          message: 'provisioned by the energy API',
        },
      });
      // 412: version-mismatch (changed meanwhile) or name-exists: read it again.
      if (res.status === 412) continue;
      expectOk(res, 'saving the household board');
      return;
    }
    throw new GrafanaError('the household board kept changing under us', true, 412);
  }

  /** One request with a timeout; retryable failures are tried again after lib's backoff. */
  private async call(
    method: string,
    path: string,
    o: { orgId?: number; body?: unknown } = {},
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(method, path, o);
      if (r.kind === 'answered') return r.answer;
      if (attempt + 1 >= this.attempts) throw r.error;
      await sleep(backoffMs(attempt, GRAFANA_BACKOFF, r.retryAfterMs));
    }
  }

  private async once(method: string, path: string, o: { orgId?: number; body?: unknown }): Promise<Attempt> {
    const what = `${method} ${path}`;
    const headers: Record<string, string> = { authorization: this.auth, accept: 'application/json' };
    if (o.orgId !== undefined) headers['x-grafana-org-id'] = String(o.orgId);
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      return unanswered(what, err);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    return classifyAnswer(what, { status: res.status, body }, res.headers.get('retry-after'));
  }
}

/** Equal apart from what Grafana sets itself (id, version). */
function sameBoard(held: Record<string, unknown>, want: Dashboard): boolean {
  const strip = (d: Record<string, unknown>): string => {
    const { id: _id, version: _v, ...rest } = d;
    return canonical(rest);
  };
  return strip(held) === strip(want);
}

/** JSON with object keys sorted at every depth: Grafana does not keep key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function expectOk(res: Answer, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  const detail =
    typeof res.body === 'object' && res.body !== null && 'message' in res.body
      ? String(res.body.message)
      : '';
  throw new GrafanaError(
    `Grafana refused ${what}: ${res.status}${detail ? ` ${detail}` : ''}`,
    res.status >= 500 || res.status === 429,
    res.status,
  );
}

function numberField(body: unknown, key: string, what: string): number {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'number') throw new GrafanaError(`${what} answered without a numeric ${key}`, false);
  return v;
}
