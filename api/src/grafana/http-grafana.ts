import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import { classifyAnswer, unanswered, type Answer, type Attempt } from './grafana-attempt.js';
import {
  GrafanaError,
  orgNameOf,
  type GrafanaHousehold,
  type GrafanaProvisioner,
  type HouseholdForGrafana,
} from './grafana-provisioner.js';
import { householdDashboard, loadHouseholdDashboard, type Dashboard } from './household-dashboard.js';

/** The datasource's uid in every household organisation (uids are per organisation). */
export const DATASOURCE_UID = 'energy-api';
export const DATASOURCE_NAME = 'Energy API';

export interface HttpGrafanaOptions {
  /** Grafana's base URL as the API reaches it (GRAFANA_URL). */
  readonly url: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** The API's base URL as Grafana reaches it; the datasource points at `<this>/prometheus`. */
  readonly apiUrl: string;
  readonly timeoutMs?: number;
  /** Attempts per request for retryable failures (network, timeout, 5xx, 429). */
  readonly attempts?: number;
  readonly dashboard?: Dashboard;
}

/** Between attempts: 100–200 ms, then 200–400 ms, …; a person is waiting on the route, so at most 5 s. */
export const GRAFANA_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 5_000 };

/**
 * Grafana's HTTP API with basic auth as a Grafana server admin: the
 * organisation endpoints (/api/orgs) are only open to server admins, and
 * `X-Grafana-Org-Id` selects the household's organisation per request, so
 * nothing depends on the admin's "current" organisation.
 */
export class HttpGrafana implements GrafanaProvisioner {
  readonly configured = true;
  private readonly base: string;
  private readonly apiUrl: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly dashboard: Dashboard;

  constructor(private readonly opts: HttpGrafanaOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${opts.adminUser}:${opts.adminPassword}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.dashboard = opts.dashboard ?? loadHouseholdDashboard();
  }

  async provisionHousehold(h: HouseholdForGrafana, apiToken: string): Promise<GrafanaHousehold> {
    const orgId = await this.ensureOrg(h.id);
    await this.ensureDatasource(orgId, apiToken);
    const board = householdDashboard(this.dashboard, h.pricePerKwh, h.currency);
    const res = await this.call('POST', '/api/dashboards/db', {
      orgId,
      body: { dashboard: board, overwrite: true, message: `provisioned by the energy API for ${h.id}` },
    });
    expectOk(res, 'uploading the household dashboard');
    const out = res.body as { uid?: string; url?: string };
    const uid = out.uid ?? board.uid;
    const path = out.url ?? `/d/${uid}`;
    return { url: `${this.base}${path}?orgId=${orgId}`, orgId, dashboardUid: uid };
  }

  async deleteHousehold(householdId: string): Promise<{ deleted: boolean }> {
    const orgId = await this.findOrg(householdId);
    if (orgId === undefined) return { deleted: false };
    const res = await this.call('DELETE', `/api/orgs/${orgId}`);
    // A concurrent delete got there first: the organisation is gone either way.
    if (res.status === 404) return { deleted: false };
    expectOk(res, 'deleting the household organisation');
    return { deleted: true };
  }

  private async findOrg(householdId: string): Promise<number | undefined> {
    const res = await this.call('GET', `/api/orgs/name/${encodeURIComponent(orgNameOf(householdId))}`);
    if (res.status === 404) return undefined;
    expectOk(res, 'looking up the household organisation');
    return numberField(res.body, 'id', 'the organisation lookup');
  }

  /** Creates `household-<id>`, or finds it when an earlier call (or a retry) already did. */
  private async ensureOrg(householdId: string): Promise<number> {
    const created = await this.call('POST', '/api/orgs', { body: { name: orgNameOf(householdId) } });
    if (created.status !== 409) {
      // Grafana makes the creating admin an Admin of the new organisation.
      expectOk(created, 'creating the household organisation');
      return numberField(created.body, 'orgId', 'the organisation create');
    }
    const orgId = await this.findOrg(householdId);
    if (orgId === undefined)
      throw new GrafanaError('the household organisation exists by name but cannot be found', true);
    // Made by another admin (or the admin left it): X-Grafana-Org-Id needs membership.
    const join = await this.call('POST', `/api/orgs/${orgId}/users`, {
      body: { loginOrEmail: this.opts.adminUser, role: 'Admin' },
    });
    if (join.status !== 409) expectOk(join, 'adding the admin to the household organisation');
    return orgId;
  }

  private async ensureDatasource(orgId: number, apiToken: string): Promise<void> {
    // grafana/README.md: the token is the basic-auth password; the API scopes every query.
    const body = {
      uid: DATASOURCE_UID,
      name: DATASOURCE_NAME,
      type: 'prometheus',
      url: `${this.apiUrl}/prometheus`,
      access: 'proxy',
      isDefault: true,
      basicAuth: true,
      basicAuthUser: 'token',
      jsonData: { httpMethod: 'POST' },
      secureJsonData: { basicAuthPassword: apiToken },
    };
    const existing = await this.call('GET', `/api/datasources/uid/${DATASOURCE_UID}`, { orgId });
    if (existing.status === 404) {
      const created = await this.call('POST', '/api/datasources', { orgId, body });
      // 409: a retried create landed twice; the update below makes it ours.
      if (created.status !== 409) {
        expectOk(created, 'creating the datasource');
        return;
      }
    } else expectOk(existing, 'looking up the datasource');
    const updated = await this.call('PUT', `/api/datasources/uid/${DATASOURCE_UID}`, { orgId, body });
    expectOk(updated, 'updating the datasource');
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
