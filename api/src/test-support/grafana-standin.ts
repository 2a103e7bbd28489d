import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Grafana 10.4 that implements exactly the endpoints
 * HttpGrafana calls, with Grafana's documented shapes and status codes
 * (grafana.com/docs/grafana/v10.4/developers/http_api/): 409 on a taken
 * organisation, team or folder name, 412 on a taken login and on a folder or
 * dashboard version conflict, 400 on a team member added twice, 404 on
 * anything missing, 401 on bad credentials and 403 without membership of the
 * organisation. Faults on demand: the next requests answer a status, or are
 * applied and never answered (a timeout after Grafana did the work — the
 * case that makes idempotency matter).
 *
 * `applied` lists every change, in order, as `<household>|<what>`: what a
 * test checks to see each change applied once.
 */
export type Fault = { readonly status: number } | 'timeout';

interface Folder {
  uid: string;
  title: string;
  version: number;
  orgId: number;
  perms: { teamId?: number; userId?: number; role?: string; permission: number }[];
}
interface Board {
  uid: string;
  orgId: number;
  folderUid: string;
  version: number;
  dashboard: Record<string, unknown>;
}
interface User {
  id: number;
  login: string;
  email: string;
  orgs: Map<number, string>;
}

export class GrafanaStandin {
  readonly applied: string[] = [];
  /** Every request as `METHOD path -> status` (timeouts as `-> timeout`). */
  readonly requests: string[] = [];
  private readonly faults: Fault[] = [];
  private readonly held: ServerResponse[] = [];
  private nextId = 100;
  private readonly orgs = new Map<number, string>([[1, 'Main Org.']]);
  private readonly users = new Map<number, User>();
  private readonly teams = new Map<
    number,
    { id: number; orgId: number; name: string; members: Set<number> }
  >();
  private readonly folders = new Map<string, Folder>();
  private readonly boards = new Map<string, Board>();
  private readonly datasources = new Map<string, Record<string, unknown>>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly admin = { user: 'admin', password: 'standin-password' }) {
    this.users.set(1, { id: 1, login: admin.user, email: 'admin@localhost', orgs: new Map([[1, 'Admin']]) });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  async stop(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  /** Another writer changes this folder or board just before the next write to it: that write meets 412. */
  editConcurrently(uid: string): void {
    this.concurrent.add(uid);
  }
  private readonly concurrent = new Set<string>();

  /** The next `n` requests meet `fault`. */
  failNext(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }
  pendingFaults(): number {
    return this.faults.length;
  }

  /** What the stand-in holds, for assertions. */
  teamOf(name: string): { id: number; orgId: number; members: string[] } | undefined {
    const t = [...this.teams.values()].find((x) => x.name === name);
    if (!t) return undefined;
    return {
      id: t.id,
      orgId: t.orgId,
      members: [...t.members].map((id) => this.users.get(id)?.login ?? '?').sort(),
    };
  }
  folder(uid: string): Folder | undefined {
    return this.folders.get(uid);
  }
  board(uid: string): Board | undefined {
    return this.boards.get(uid);
  }
  userByLogin(login: string): User | undefined {
    return [...this.users.values()].find((u) => u.login === login);
  }
  orgByName(name: string): number | undefined {
    return [...this.orgs].find(([, n]) => n === name)?.[0];
  }
  /**
   * A team made by hand (another admin, another API process); `raced`: the
   * next search misses it, as if it was made between the search and the create.
   */
  addTeam(orgId: number, name: string, o: { raced?: boolean } = {}): number {
    const id = this.nextId++;
    this.teams.set(id, { id, orgId, name, members: new Set() });
    if (o.raced) this.searchMisses.add(name);
    return id;
  }
  private readonly searchMisses = new Set<string>();
  /** An organisation made by hand (the layout of before), for the migration test. */
  addOrg(name: string): number {
    const id = this.nextId++;
    this.orgs.set(id, name);
    return id;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://standin');
    const line = `${req.method} ${url.pathname}`;
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${this.admin.user}:${this.admin.password}`).toString('base64')}`;
    const send = (status: number, body: unknown): void => {
      this.requests.push(`${line} -> ${status}`);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fault = this.faults.shift();
    if (fault !== undefined && fault !== 'timeout') {
      send(fault.status, { message: fault.status === 401 ? 'Unauthorized' : 'injected failure' });
      return;
    }
    if (auth !== expected) return send(401, { message: 'invalid username or password' });
    const orgId = Number(req.headers['x-grafana-org-id'] ?? 1);
    const admin = this.users.get(1);
    if (req.headers['x-grafana-org-id'] !== undefined && !admin?.orgs.has(orgId))
      return send(403, { message: 'User does not belong to the organization' });
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return send(400, { message: 'bad request data' });
    }
    const [status, out] = this.route(req.method ?? 'GET', url, orgId, body);
    if (fault === 'timeout') {
      // Done, but the answer never leaves: the caller times out.
      this.requests.push(`${line} -> timeout`);
      this.held.push(res);
      return;
    }
    send(status, out);
  }

  private change(household: string, what: string): void {
    this.applied.push(`${household}|${what}`);
  }

  private route(method: string, url: URL, orgId: number, b: Record<string, unknown>): [number, unknown] {
    const p = url.pathname;
    let m: RegExpMatchArray | null;
    // Organisations (server admin)
    if (method === 'POST' && p === '/api/orgs') {
      const name = String(b.name);
      if (this.orgByName(name) !== undefined) return [409, { message: 'Organization name taken' }];
      const id = this.nextId++;
      this.orgs.set(id, name);
      this.users.get(1)?.orgs.set(id, 'Admin');
      this.change(name, 'org created');
      return [200, { orgId: id, message: 'Organization created' }];
    }
    if (method === 'GET' && (m = p.match(/^\/api\/orgs\/name\/(.+)$/))) {
      const id = this.orgByName(decodeURIComponent(m[1] ?? ''));
      return id === undefined
        ? [404, { message: 'Organization not found' }]
        : [200, { id, name: this.orgs.get(id) }];
    }
    if (method === 'DELETE' && (m = p.match(/^\/api\/orgs\/(\d+)$/))) {
      const id = Number(m[1]);
      const name = this.orgs.get(id);
      if (name === undefined) return [404, { message: 'Failed to delete organization. ID not found' }];
      this.orgs.delete(id);
      this.change(name, 'org deleted');
      return [200, { message: 'Organization deleted' }];
    }
    if (method === 'POST' && (m = p.match(/^\/api\/orgs\/(\d+)\/users$/))) {
      const id = Number(m[1]);
      const u = this.userByLogin(String(b.loginOrEmail));
      if (!this.orgs.has(id) || !u) return [404, { message: 'User not found' }];
      if (u.orgs.has(id)) return [409, { message: 'User is already member of this organization' }];
      u.orgs.set(id, String(b.role));
      return [200, { message: 'User added to organization', userId: u.id }];
    }
    // Users (server admin)
    if (method === 'GET' && p === '/api/users/lookup') {
      const key = url.searchParams.get('loginOrEmail') ?? '';
      const u = [...this.users.values()].find((x) => x.login === key || x.email === key);
      return u ? [200, { id: u.id, login: u.login, email: u.email }] : [404, { message: 'user not found' }];
    }
    if (method === 'POST' && p === '/api/admin/users') {
      const login = String(b.login ?? b.email);
      if (this.userByLogin(login)) return [412, { message: 'user already exists' }];
      const id = this.nextId++;
      this.users.set(id, {
        id,
        login,
        email: String(b.email),
        orgs: new Map([[Number(b.OrgId ?? 1), 'Viewer']]),
      });
      this.change(login, 'user created');
      return [200, { id, message: 'User created' }];
    }
    if (method === 'DELETE' && (m = p.match(/^\/api\/admin\/users\/(\d+)$/))) {
      const u = this.users.get(Number(m[1]));
      if (!u) return [404, { message: 'user not found' }];
      this.users.delete(u.id);
      for (const t of this.teams.values()) t.members.delete(u.id);
      this.change(u.login, 'user deleted');
      return [200, { message: 'User deleted' }];
    }
    // Datasources
    if (method === 'GET' && (m = p.match(/^\/api\/datasources\/uid\/(.+)$/))) {
      const ds = this.datasources.get(`${orgId}/${m[1]}`);
      return ds ? [200, ds] : [404, { message: 'Data source not found' }];
    }
    if (method === 'POST' && p === '/api/datasources') {
      const key = `${orgId}/${String(b.uid)}`;
      if (this.datasources.has(key))
        return [409, { message: 'data source with the same name already exists' }];
      this.datasources.set(key, { ...b, orgId });
      return [200, { message: 'Datasource added', datasource: b }];
    }
    // Teams
    const teamIn = (id: number) => {
      const t = this.teams.get(id);
      return t && t.orgId === orgId ? t : undefined;
    };
    if (method === 'GET' && p === '/api/teams/search') {
      const name = url.searchParams.get('name');
      if (name !== null && this.searchMisses.delete(name))
        return [200, { totalCount: 0, teams: [], page: 1, perPage: 1000 }];
      const teams = [...this.teams.values()].filter(
        (t) => t.orgId === orgId && (name === null || t.name === name),
      );
      return [
        200,
        {
          totalCount: teams.length,
          teams: teams.map((t) => ({ id: t.id, orgId, name: t.name })),
          page: 1,
          perPage: 1000,
        },
      ];
    }
    if (method === 'POST' && p === '/api/teams') {
      const name = String(b.name);
      if ([...this.teams.values()].some((t) => t.orgId === orgId && t.name === name))
        return [409, { message: 'Team name taken' }];
      const id = this.nextId++;
      this.teams.set(id, { id, orgId, name, members: new Set() });
      this.change(name.replace(/^household-/, ''), 'team created');
      return [200, { message: 'Team created', teamId: id }];
    }
    if ((m = p.match(/^\/api\/teams\/(\d+)(\/members(?:\/(\d+))?)?$/))) {
      const t = teamIn(Number(m[1]));
      if (!t) return [404, { message: 'Team not found' }];
      const hh = t.name.replace(/^household-/, '');
      if (!m[2] && method === 'DELETE') {
        this.teams.delete(t.id);
        this.change(hh, 'team deleted');
        return [200, { message: 'Team deleted' }];
      }
      if (m[2] && !m[3] && method === 'GET')
        return [
          200,
          [...t.members].map((id) => ({
            orgId,
            teamId: t.id,
            userId: id,
            login: this.users.get(id)?.login,
            email: this.users.get(id)?.email,
            permission: 0,
          })),
        ];
      if (m[2] && !m[3] && method === 'POST') {
        const u = this.users.get(Number(b.userId));
        if (!u) return [404, { message: 'User not found' }];
        if (t.members.has(u.id)) return [400, { message: 'User is already added to this team' }];
        t.members.add(u.id);
        this.change(hh, `member added ${u.login}`);
        return [200, { message: 'Member added to Team' }];
      }
      if (m[3] && method === 'DELETE') {
        const id = Number(m[3]);
        if (!t.members.has(id)) return [404, { message: 'Team member not found' }];
        t.members.delete(id);
        this.change(hh, `member removed ${this.users.get(id)?.login ?? id}`);
        return [200, { message: 'Team Member removed' }];
      }
    }
    // Folders
    const hhOfFolder = (uid: string) => uid.replace(/^hhf-/, '');
    if (method === 'POST' && p === '/api/folders') {
      const uid = String(b.uid);
      const title = String(b.title);
      if (this.folders.has(uid)) return [409, { message: 'a folder with the same uid already exists' }];
      if ([...this.folders.values()].some((f) => f.orgId === orgId && f.title === title))
        return [
          409,
          { message: 'a folder or dashboard in the general folder with the same name already exists' },
        ];
      const f: Folder = {
        uid,
        title,
        version: 1,
        orgId,
        perms: [
          { role: 'Viewer', permission: 1 },
          { role: 'Editor', permission: 2 },
        ],
      };
      this.folders.set(uid, f);
      this.change(hhOfFolder(uid), `folder created ${title}`);
      return [200, { uid, title, version: 1 }];
    }
    if ((m = p.match(/^\/api\/folders\/([^/]+)(\/permissions)?$/))) {
      const f = this.folders.get(m[1] ?? '');
      if (!f || f.orgId !== orgId) return [404, { message: 'folder not found' }];
      const hh = hhOfFolder(f.uid);
      if (!m[2] && method === 'GET') return [200, { uid: f.uid, title: f.title, version: f.version }];
      if (!m[2] && method === 'PUT') {
        if (this.concurrent.delete(f.uid)) f.version++;
        if (b.version !== f.version && b.overwrite !== true)
          return [
            412,
            { message: 'the folder has been changed by someone else', status: 'version-mismatch' },
          ];
        f.title = String(b.title);
        f.version++;
        this.change(hh, `folder renamed ${f.title}`);
        return [200, { uid: f.uid, title: f.title, version: f.version }];
      }
      if (!m[2] && method === 'DELETE') {
        this.folders.delete(f.uid);
        for (const [uid, d] of this.boards) if (d.folderUid === f.uid) this.boards.delete(uid);
        this.change(hh, 'folder deleted');
        return [200, { message: 'Folder deleted' }];
      }
      if (m[2] && method === 'GET')
        return [200, f.perms.map((x) => ({ ...x, uid: f.uid, inherited: false }))];
      if (m[2] && method === 'POST') {
        f.perms = ((b.items ?? []) as Folder['perms']).map((x) => ({ ...x }));
        this.change(hh, `permissions set ${JSON.stringify(f.perms)}`);
        return [200, { message: 'Folder permissions updated' }];
      }
    }
    // Dashboards
    if (method === 'GET' && (m = p.match(/^\/api\/dashboards\/uid\/(.+)$/))) {
      const d = this.boards.get(m[1] ?? '');
      if (!d || d.orgId !== orgId) return [404, { message: 'Dashboard not found' }];
      return [
        200,
        {
          dashboard: { ...d.dashboard, version: d.version },
          meta: { folderUid: d.folderUid, version: d.version },
        },
      ];
    }
    if (method === 'POST' && p === '/api/dashboards/db') {
      const dash = (b.dashboard ?? {}) as Record<string, unknown>;
      const uid = String(dash.uid);
      const folderUid = typeof b.folderUid === 'string' ? b.folderUid : '';
      if (folderUid && !this.folders.has(folderUid)) return [400, { message: 'folder not found' }];
      const held = this.boards.get(uid);
      if (held && this.concurrent.delete(uid)) held.version++;
      if (held && b.overwrite !== true && dash.version !== held.version)
        return [
          412,
          { status: 'version-mismatch', message: 'The dashboard has been changed by someone else' },
        ];
      const version = (held?.version ?? 0) + 1;
      const { version: _v, id: _id, ...rest } = dash;
      this.boards.set(uid, { uid, orgId, folderUid, version, dashboard: rest });
      this.change(uid.replace(/^hh-/, ''), `board saved v${version}`);
      return [200, { id: 1, uid, url: `/d/${uid}/x`, status: 'success', version, slug: 'x' }];
    }
    if (method === 'DELETE' && (m = p.match(/^\/api\/dashboards\/uid\/(.+)$/))) {
      if (!this.boards.delete(m[1] ?? '')) return [404, { message: 'Dashboard not found' }];
      return [200, { title: 'x', message: 'Dashboard deleted' }];
    }
    return [404, { message: `the stand-in does not implement ${method} ${p}` }];
  }
}
