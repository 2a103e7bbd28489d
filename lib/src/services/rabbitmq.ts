import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { run, startProcess, type SupervisedProcess } from './supervisor.js';

export interface RabbitMQOptions {
  /** Holds mnesia/, log/, the config and plugins files; every parent must be traversable by user rabbitmq. */
  readonly baseDir: string;
  /** e.g. `energy@localhost`; must be unique among the Erlang nodes of the machine. */
  readonly nodeName: string;
  readonly amqpPort: number;
  readonly distPort: number;
  readonly managementPort: number;
  readonly prometheusPort: number;
  /** When set, users unknown to the internal database are checked by the API (cached 60 s). */
  readonly authHttpBaseUrl?: string;
  readonly authHttpKey?: string;
  readonly adminUser?: string;
  /** Default: generated once and kept in `<baseDir>/admin-password`. */
  readonly adminPassword?: string;
  /** Variable names reported when a port is taken. */
  readonly portEnvVars?: {
    amqp?: string;
    amqps?: string;
    management?: string;
    prometheus?: string;
    dist?: string;
  };
  readonly logFile?: string;
  readonly startTimeoutMs?: number;
  /** The AMQPS listener (5671 in compose) on 127.0.0.1; files from the local CA (tls-ca.ts) or a real one. */
  readonly tls?: BrokerTls;
  /**
   * false: no plain AMQP listener at all (the production profile; `tls` is
   * then required). Default true: plain AMQP on 127.0.0.1 for the local demo.
   */
  readonly plainListener?: boolean;
  /** A cluster's own Erlang cookie (else the rabbitmq user's ~/.erlang.cookie, shared by every node of the machine). */
  readonly erlangCookie?: string;
  /** More emulator flags, e.g. `+sbwt none` so that nodes sharing few cores do not busy-wait. */
  readonly erlArgs?: string;
  /** More rabbitmq.conf lines (cluster formation, queue leader locator). */
  readonly extraConfig?: readonly string[];
}

export interface BrokerTls {
  readonly port: number;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface RabbitMQHandle {
  readonly nodeName: string;
  readonly amqpPort: number;
  readonly managementUrl: string;
  readonly prometheusUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly process: SupervisedProcess;
  readonly amqpUrl: (vhost?: string, user?: string, pass?: string) => string;
  /** Set when the AMQPS listener is on. */
  readonly amqpsPort?: number;
  readonly amqpsUrl?: (vhost?: string, user?: string, pass?: string) => string;
  /** `rabbitmqctl -n <node> ...args`; resolves with its stdout (killed after `timeoutMs`, default 120 s). */
  readonly ctl: (args: readonly string[], timeoutMs?: number) => Promise<string>;
  readonly stop: () => Promise<void>;
  readonly kill: (signal?: NodeJS.Signals) => void;
}

export const RABBITMQ_PLUGINS = [
  'rabbitmq_management',
  'rabbitmq_prometheus',
  'rabbitmq_auth_backend_http',
  'rabbitmq_auth_backend_cache',
  'rabbitmq_consistent_hash_exchange',
] as const;

/** The broker runs as user rabbitmq: a parent it cannot traverse (a 0700 home) makes it fail obscurely. */
function assertTraversable(dir: string): void {
  let d = resolve(dir);
  for (;;) {
    const parent = dirname(d);
    if (parent === d) return;
    d = parent;
    const st = statSync(d);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `RabbitMQ data folder ${dir}: parent ${d} is not traversable by user rabbitmq (mode ${(st.mode & 0o777).toString(8)}); use a folder under /tmp or /var/lib`,
      );
    }
  }
}

function epmdRunning(): Promise<boolean> {
  return new Promise((resolveIt) => {
    const s = connect({ port: Number(process.env.ERL_EPMD_PORT ?? 4369), host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolveIt(true);
    });
    s.once('error', () => resolveIt(false));
  });
}

export function rabbitmqConfig(o: RabbitMQOptions & { adminUser: string; adminPassword: string }): string {
  const lines = [
    '# Written by the launcher at every start; edit lib/src/services/rabbitmq.ts instead.',
    o.plainListener === false ? 'listeners.tcp = none' : `listeners.tcp.1 = 127.0.0.1:${o.amqpPort}`,
    ...(o.extraConfig ?? []),
    ...(o.tls ? tlsLines(o.tls) : []),
    'management.tcp.ip = 127.0.0.1',
    `management.tcp.port = ${o.managementPort}`,
    'prometheus.tcp.ip = 127.0.0.1',
    `prometheus.tcp.port = ${o.prometheusPort}`,
    // Only a fresh node creates it; later starts repair it over rabbitmqctl if needed.
    `default_user = ${o.adminUser}`,
    `default_pass = ${o.adminPassword}`,
    'default_user_tags.administrator = true',
    'default_permissions.configure = .*',
    'default_permissions.read = .*',
    'default_permissions.write = .*',
  ];
  if (o.authHttpBaseUrl) {
    const base = o.authHttpBaseUrl.replace(/\/$/, '');
    const key = encodeURIComponent(o.authHttpKey ?? '');
    lines.push(
      // Internal users (admin, collector) first; devices and gateways are known to the API only.
      'auth_backends.1 = internal',
      'auth_backends.2 = cache',
      'auth_cache.cached_backend = http',
      // A revoked device is refused within a minute.
      'auth_cache.cache_ttl = 60000',
      'auth_http.http_method = post',
      // The 3.10 backend sends no custom headers, so the shared secret rides in the URL.
      ...(['user', 'vhost', 'resource', 'topic'] as const).map(
        (x) => `auth_http.${x}_path = ${base}/rabbitmq/${x}?key=${key}`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Devices log in with passwords: the broker verifies a client certificate only if one is offered. */
function tlsLines(t: BrokerTls): string[] {
  return [
    `listeners.ssl.1 = 127.0.0.1:${t.port}`,
    `ssl_options.cacertfile = ${t.caFile}`,
    `ssl_options.certfile = ${t.certFile}`,
    `ssl_options.keyfile = ${t.keyFile}`,
    'ssl_options.verify = verify_peer',
    'ssl_options.fail_if_no_peer_cert = false',
    'ssl_options.versions.1 = tlsv1.3',
    'ssl_options.versions.2 = tlsv1.2',
  ];
}

/** The broker (user rabbitmq) reads its key from its own folder, not from the launcher's 0700 CA folder. */
function copyTlsFiles(baseDir: string, t: BrokerTls): BrokerTls {
  const dir = join(baseDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const copy = (from: string, name: string, mode: number): string => {
    const to = join(dir, name);
    writeFileSync(to, readFileSync(from), { mode });
    chmodSync(to, mode);
    return to;
  };
  return {
    port: t.port,
    caFile: copy(t.caFile, 'ca.crt', 0o644),
    certFile: copy(t.certFile, 'server.crt', 0o644),
    keyFile: copy(t.keyFile, 'server.key', 0o600),
  };
}

/**
 * Starts a RabbitMQ node of our own as a foreground child (not -detached,
 * which leaves it and epmd behind), on loopback only.
 */
export async function startRabbitMQ(opts: RabbitMQOptions): Promise<RabbitMQHandle> {
  const baseDir = resolve(opts.baseDir);
  mkdirSync(join(baseDir, 'mnesia'), { recursive: true });
  mkdirSync(join(baseDir, 'log'), { recursive: true });
  assertTraversable(baseDir);
  const adminUser = opts.adminUser ?? 'energy-admin';
  const passwordFile = join(baseDir, 'admin-password');
  let adminPassword = opts.adminPassword;
  if (adminPassword === undefined) {
    if (existsSync(passwordFile)) adminPassword = readFileSync(passwordFile, 'utf8').trim();
    else {
      adminPassword = randomBytes(18).toString('base64url');
      writeFileSync(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
    }
  }
  if (opts.plainListener === false && !opts.tls)
    throw new Error(
      'RabbitMQ: the plain AMQP listener is off (production profile) but no TLS listener is configured',
    );
  const tls = opts.tls ? copyTlsFiles(baseDir, opts.tls) : undefined;
  const configBase = join(baseDir, 'rabbitmq');
  writeFileSync(
    `${configBase}.conf`,
    rabbitmqConfig({ ...opts, ...(tls ? { tls } : {}), adminUser, adminPassword }),
    { mode: 0o640 },
  );
  writeFileSync(join(baseDir, 'enabled_plugins'), `[${RABBITMQ_PLUGINS.join(',')}].\n`);
  await run('chown', ['-R', 'rabbitmq:rabbitmq', baseDir]);

  const env: NodeJS.ProcessEnv = {
    RABBITMQ_NODENAME: opts.nodeName,
    // Set, it would open the plain listener whatever the config file says.
    ...(opts.plainListener === false ? {} : { RABBITMQ_NODE_PORT: String(opts.amqpPort) }),
    RABBITMQ_DIST_PORT: String(opts.distPort),
    RABBITMQ_MNESIA_BASE: join(baseDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(baseDir, 'log'),
    RABBITMQ_CONFIG_FILE: configBase, // without .conf: the scripts add it
    RABBITMQ_ENABLED_PLUGINS_FILE: join(baseDir, 'enabled_plugins'),
    // Erlang distribution and an epmd we start listen on every interface unless told otherwise.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: [
      '-kernel inet_dist_use_interface {127,0,0,1}',
      ...(opts.erlangCookie ? [`-setcookie ${opts.erlangCookie}`] : []),
      ...(opts.erlArgs ? [opts.erlArgs] : []),
    ].join(' '),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const cookieArgs = opts.erlangCookie ? ['--erlang-cookie', opts.erlangCookie] : [];
  const ctl = (args: readonly string[], timeoutMs = 120_000): Promise<string> =>
    run('rabbitmqctl', [...cookieArgs, '-n', opts.nodeName, ...args], { timeoutMs });

  const weStartEpmd = !(await epmdRunning());
  const v = opts.portEnvVars ?? {};
  const proc = await startProcess({
    name: 'rabbitmq',
    command: 'rabbitmq-server',
    env,
    logFile: opts.logFile ?? join(baseDir, 'rabbitmq-server.log'),
    ports: [
      ...(opts.plainListener === false ? [] : [{ port: opts.amqpPort, envVar: v.amqp ?? 'AMQP_PORT' }]),
      ...(opts.tls ? [{ port: opts.tls.port, envVar: v.amqps ?? 'AMQPS_PORT' }] : []),
      { port: opts.managementPort, envVar: v.management ?? 'RABBITMQ_MANAGEMENT_PORT' },
      { port: opts.prometheusPort, envVar: v.prometheus ?? 'RABBITMQ_PROMETHEUS_PORT' },
      { port: opts.distPort, envVar: v.dist ?? 'RABBITMQ_DIST_PORT' },
    ],
    health: {
      command: 'rabbitmqctl',
      args: [...cookieArgs, '-n', opts.nodeName, 'await_startup', '--timeout', '20'],
    },
    startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    stopTimeoutMs: 30_000,
    gracefulStop: async () => {
      await ctl(['stop'], 30_000);
    },
  });

  const managementUrl = `http://127.0.0.1:${opts.managementPort}`;
  const handle: RabbitMQHandle = {
    nodeName: opts.nodeName,
    amqpPort: opts.amqpPort,
    managementUrl,
    prometheusUrl: `http://127.0.0.1:${opts.prometheusPort}`,
    admin: { username: adminUser, password: adminPassword },
    process: proc,
    amqpUrl(vhost = '/', user = adminUser, pass = adminPassword) {
      return `amqp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${opts.amqpPort}/${encodeURIComponent(vhost)}`;
    },
    ...(tls
      ? {
          amqpsPort: tls.port,
          // Host 127.0.0.1: the local CA's certificates name it as an IP address SAN.
          amqpsUrl(vhost = '/', user = adminUser, pass = adminPassword) {
            return `amqps://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${tls.port}/${encodeURIComponent(vhost)}`;
          },
        }
      : {}),
    ctl: (args, timeoutMs) => ctl(args, timeoutMs),
    async stop() {
      await proc.stop();
      // `epmd` outlives every node; end it only when we started it and no other node uses it.
      if (weStartEpmd) {
        const names = await run('epmd', ['-names']).catch(() => '');
        if (!/^name /m.test(names)) await run('epmd', ['-kill']).catch(() => undefined);
      }
    },
    kill: (signal) => proc.kill(signal),
  };
  try {
    // beam.smp runs in a session of its own (the wrapper's `su` makes one): adopt its group.
    const beamPid = Number((await ctl(['eval', 'list_to_integer(os:getpid()).'])).trim());
    const pgid = Number((await run('ps', ['-o', 'pgid=', '-p', String(beamPid)])).trim());
    proc.adoptGroup(pgid);
    await ensureAdmin(handle, ctl);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** A node that kept its data from an earlier run may hold another admin password: repair it. */
async function ensureAdmin(
  h: RabbitMQHandle,
  ctl: (args: readonly string[]) => Promise<string>,
): Promise<void> {
  const auth = `Basic ${Buffer.from(`${h.admin.username}:${h.admin.password}`).toString('base64')}`;
  const res = await fetch(`${h.managementUrl}/api/whoami`, { headers: { authorization: auth } });
  await res.arrayBuffer();
  if (res.ok) return;
  await ctl(['add_user', h.admin.username, h.admin.password]).catch(() => undefined);
  await ctl(['change_password', h.admin.username, h.admin.password]);
  await ctl(['set_user_tags', h.admin.username, 'administrator']);
  await ctl(['set_permissions', '-p', '/', h.admin.username, '.*', '.*', '.*']);
}
