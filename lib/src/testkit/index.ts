/**
 * Real RabbitMQ and VictoriaMetrics for integration tests. `npm test` starts
 * one of each for the whole run and passes them in ENERGY_TEST_* variables;
 * a test file run on its own starts its own and stops them when it exits.
 * Tests isolate themselves with createVhost() and uniqueName(), never by
 * restarting the shared services (fault tests start private ones).
 */
import { run, killAllSync } from '../services/supervisor.js';
import { startPrivateRabbitMQ, startPrivateVictoriaMetrics } from './local-services.js';
import { TEST_ENV } from './env.js';
import { uniqueName } from './names.js';

export { freePort } from '../services/ports.js';
export { uniqueName } from './names.js';
export { TEST_ENV } from './env.js';
export {
  startPrivateRabbitMQ,
  startPrivateVictoriaMetrics,
  type PrivateRabbitMQ,
  type PrivateVictoriaMetrics,
} from './local-services.js';

export interface TestRabbitMQ {
  readonly managementUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly nodeName: string;
  /** Where the broker's HTTP auth backend points (serve it on this port with this key to let devices in). */
  readonly authBackend: { readonly url: string; readonly port: number; readonly secret: string } | undefined;
  readonly amqpUrl: (vhost?: string, user?: string, pass?: string) => string;
  /** `rabbitmqctl -n <node> ...args`. */
  readonly ctl: (args: readonly string[]) => Promise<string>;
}

export interface TestVictoriaMetrics {
  readonly url: string;
  readonly forceFlush: () => Promise<void>;
}

type Stopper = () => Promise<void>;
const stoppers: Stopper[] = [];
let exitHooks = false;

/** Services the kit started itself end with the test file's process. */
function stopAtExit(stop: Stopper): void {
  stoppers.push(stop);
  if (exitHooks) return;
  exitHooks = true;
  let stopping = false;
  process.on('beforeExit', () => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled(stoppers.map((s) => s()));
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.exit(130);
    });
  }
}

function rabbitFromEnv(): TestRabbitMQ | undefined {
  const amqp = process.env[TEST_ENV.amqpUrl];
  const mgmt = process.env[TEST_ENV.managementUrl];
  const admin = process.env[TEST_ENV.admin];
  if (!amqp || !mgmt || !admin) return undefined;
  const colon = admin.indexOf(':');
  const username = admin.slice(0, colon);
  const password = admin.slice(colon + 1);
  const base = new URL(amqp);
  const nodeName = process.env[TEST_ENV.nodeName] ?? '';
  const authUrl = process.env[TEST_ENV.authBackendUrl];
  return {
    managementUrl: mgmt,
    admin: { username, password },
    nodeName,
    authBackend: authUrl
      ? {
          url: authUrl,
          port: Number(new URL(authUrl).port),
          secret: process.env[TEST_ENV.authBackendSecret] ?? '',
        }
      : undefined,
    amqpUrl(vhost = '/', user = username, pass = password) {
      return `amqp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@${base.host}/${encodeURIComponent(vhost)}`;
    },
    ctl: (args) => run('rabbitmqctl', ['-n', nodeName, ...args], { timeoutMs: 120_000 }),
  };
}

let rabbit: Promise<TestRabbitMQ> | undefined;
let vm: Promise<TestVictoriaMetrics> | undefined;

/** The run's broker (with the HTTP auth backend configured, internal users first). */
export function testRabbitMQ(): Promise<TestRabbitMQ> {
  rabbit ??= (async () => {
    const fromEnv = rabbitFromEnv();
    if (fromEnv) return fromEnv;
    const r = await startPrivateRabbitMQ();
    r.process.unref();
    stopAtExit(() => r.dispose());
    return {
      managementUrl: r.managementUrl,
      admin: r.admin,
      nodeName: r.nodeName,
      authBackend: {
        url: `http://127.0.0.1:${r.authBackendPort}`,
        port: r.authBackendPort,
        secret: r.authBackendSecret,
      },
      amqpUrl: r.amqpUrl,
      ctl: r.ctl,
    };
  })();
  return rabbit;
}

/** The run's VictoriaMetrics; tests write under their own label values (uniqueName). */
export function testVictoriaMetrics(): Promise<TestVictoriaMetrics> {
  vm ??= (async () => {
    const url = process.env[TEST_ENV.vmUrl];
    if (url) {
      return {
        url,
        async forceFlush() {
          const res = await fetch(`${url}/internal/force_flush`, { method: 'POST' });
          await res.arrayBuffer();
        },
      };
    }
    const v = await startPrivateVictoriaMetrics();
    v.process.unref();
    stopAtExit(() => v.dispose());
    return { url: v.url, forceFlush: v.forceFlush };
  })();
  return vm;
}

/** Calls the management API as the administrator. */
export async function managementApi(method: string, path: string, body?: unknown): Promise<Response> {
  const r = await testRabbitMQ();
  const auth = Buffer.from(`${r.admin.username}:${r.admin.password}`).toString('base64');
  const res = await fetch(`${r.managementUrl}/api${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404) {
    throw new Error(`management API ${method} ${path}: ${res.status} ${await res.text()}`);
  }
  return res;
}

export interface TestVhost {
  readonly name: string;
  /** AMQP URL into this vhost as the administrator, or as the given user. */
  readonly amqpUrl: (user?: string, pass?: string) => string;
  /** An internal user with the given permission patterns on this vhost. */
  readonly addUser: (
    username: string,
    password: string,
    perms?: { configure?: string; write?: string; read?: string },
  ) => Promise<void>;
  readonly delete: () => Promise<void>;
}

/** A fresh vhost on the run's broker, the administrator allowed everything in it. */
export async function createVhost(prefix: string): Promise<TestVhost> {
  const r = await testRabbitMQ();
  const name = uniqueName(prefix);
  const v = encodeURIComponent(name);
  await managementApi('PUT', `/vhosts/${v}`, {});
  await managementApi('PUT', `/permissions/${v}/${encodeURIComponent(r.admin.username)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  return {
    name,
    amqpUrl: (user, pass) => r.amqpUrl(name, user, pass),
    async addUser(username, password, perms = {}) {
      await managementApi('PUT', `/users/${encodeURIComponent(username)}`, { password, tags: '' });
      await managementApi('PUT', `/permissions/${v}/${encodeURIComponent(username)}`, {
        configure: perms.configure ?? '.*',
        write: perms.write ?? '.*',
        read: perms.read ?? '.*',
      });
    },
    async delete() {
      await managementApi('DELETE', `/vhosts/${v}`);
    },
  };
}
