import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startRabbitMQ, type BrokerTls, type RabbitMQHandle, type RabbitMQOptions } from './rabbitmq.js';

/** One node's ports; every node of the machine needs its own. */
export interface ClusterNodePorts {
  readonly amqp: number;
  readonly dist: number;
  readonly management: number;
  readonly prometheus: number;
}

export interface RabbitMQClusterOptions {
  /** Node i keeps its data in `<baseDir>/node-<i>`; the cookie and admin password sit in baseDir. */
  readonly baseDir: string;
  /** Node names are `<namePrefix><i>@localhost`, i from 1; unique among the machine's Erlang nodes. */
  readonly namePrefix: string;
  /** One entry per node (three for quorum queues that survive a node). */
  readonly ports: readonly ClusterNodePorts[];
  /** The API's auth backend, the same for every node (devices may log in to any). */
  readonly authHttpBaseUrl?: string;
  readonly authHttpKey?: string;
  readonly adminUser?: string;
  readonly startTimeoutMs?: number;
  /** Node i's AMQPS listener (a certificate from the local CA), if any. */
  readonly tls?: (i: number) => BrokerTls;
  /** false: no plain AMQP listener on any node (the production profile). */
  readonly plainListener?: boolean;
  /** Node i's log file (default under its folder). */
  readonly logFile?: (i: number) => string;
  /** Variable names reported when node i's port is taken. */
  readonly portEnvVars?: (i: number) => RabbitMQOptions['portEnvVars'];
}

export interface RabbitMQClusterHandle {
  readonly nodeNames: readonly string[];
  readonly admin: { readonly username: string; readonly password: string };
  /** Every node's AMQP URL, in node order: the AMQP_URLS of clients. */
  readonly amqpUrls: (vhost?: string, user?: string, pass?: string) => string[];
  /** A running node (throws while it is down). */
  readonly node: (i: number) => RabbitMQHandle;
  /** `rabbitmqctl` on the first running node. */
  readonly ctl: (args: readonly string[]) => Promise<string>;
  /** The fault: signal node i (SIGKILL by default); it stays down until restart(i). */
  readonly kill: (i: number, signal?: NodeJS.Signals) => void;
  /** Starts node i again on its data; it rejoins the cluster by itself. */
  readonly restart: (i: number) => Promise<RabbitMQHandle>;
  readonly stop: () => Promise<void>;
}

/**
 * Emulator flags for several Erlang nodes on a couple of cores: schedulers
 * that spin while idle (the default) steal the cores the other nodes need,
 * so none busy-waits — normal, dirty CPU and dirty I/O schedulers alike.
 */
export const SHARED_CORES_ERL_ARGS = '+sbwt none +sbwtdcpu none +sbwtdio none';

/** Read once, or made once: a cluster's secrets outlive restarts of its nodes. */
function keptSecret(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const v = make();
  writeFileSync(file, `${v}\n`, { mode: 0o600 });
  return v;
}

/**
 * A RabbitMQ cluster on this machine: its nodes on loopback ports, joined by
 * classic-config peer discovery under an Erlang cookie of its own (kept in
 * baseDir, not the rabbitmq user's shared ~/.erlang.cookie), quorum queue
 * leaders spread by the `balanced` locator. The first node starts alone, the
 * others then join it together.
 */
export async function startRabbitMQCluster(o: RabbitMQClusterOptions): Promise<RabbitMQClusterHandle> {
  if (o.ports.length < 1) throw new Error('a cluster needs at least one node');
  const baseDir = resolve(o.baseDir);
  mkdirSync(baseDir, { recursive: true });
  // Erlang takes up to 255 characters from [A-Za-z0-9]: hex is plenty.
  const erlangCookie = keptSecret(join(baseDir, 'erlang-cookie'), () => randomBytes(20).toString('hex'));
  const adminUser = o.adminUser ?? 'energy-admin';
  const adminPassword = keptSecret(join(baseDir, 'admin-password'), () =>
    randomBytes(18).toString('base64url'),
  );
  const nodeNames = o.ports.map((_, i) => `${o.namePrefix}${i + 1}@localhost`);
  const extraConfig = [
    'cluster_formation.peer_discovery_backend = classic_config',
    ...nodeNames.map((n, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${n}`),
    // New quorum queues put their leader on the node with the fewest leaders.
    'queue_leader_locator = balanced',
  ];
  const optionsOf = (i: number): RabbitMQOptions => {
    const p = o.ports[i] as ClusterNodePorts;
    const vars = o.portEnvVars?.(i);
    return {
      baseDir: join(baseDir, `node-${i + 1}`),
      nodeName: nodeNames[i] as string,
      amqpPort: p.amqp,
      distPort: p.dist,
      managementPort: p.management,
      prometheusPort: p.prometheus,
      adminUser,
      adminPassword,
      erlangCookie,
      erlArgs: SHARED_CORES_ERL_ARGS,
      extraConfig,
      ...(o.authHttpBaseUrl ? { authHttpBaseUrl: o.authHttpBaseUrl, authHttpKey: o.authHttpKey ?? '' } : {}),
      ...(o.startTimeoutMs ? { startTimeoutMs: o.startTimeoutMs } : {}),
      ...(vars ? { portEnvVars: vars } : {}),
      ...(o.tls ? { tls: o.tls(i) } : {}),
      ...(o.plainListener === undefined ? {} : { plainListener: o.plainListener }),
      ...(o.logFile ? { logFile: o.logFile(i) } : {}),
    };
  };
  const nodes: (RabbitMQHandle | undefined)[] = o.ports.map(() => undefined);
  const stopAll = async (): Promise<void> => {
    // The last node stopped is the first to start next time (quorum queues need a majority back).
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      nodes[i] = undefined;
      if (n) await n.stop().catch(() => undefined);
    }
  };
  try {
    nodes[0] = await startRabbitMQ(optionsOf(0));
    const rest = await Promise.allSettled(o.ports.slice(1).map((_, k) => startRabbitMQ(optionsOf(k + 1))));
    rest.forEach((r, k) => {
      if (r.status === 'fulfilled') nodes[k + 1] = r.value;
    });
    const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stopAll();
    throw err;
  }
  const node = (i: number): RabbitMQHandle => {
    const n = nodes[i];
    if (!n) throw new Error(`RabbitMQ node ${nodeNames[i] ?? i} is not running`);
    return n;
  };
  return {
    nodeNames,
    admin: { username: adminUser, password: adminPassword },
    amqpUrls: (vhost = '/', user = adminUser, pass = adminPassword) =>
      o.ports.map(
        (p) =>
          `amqp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${p.amqp}/${encodeURIComponent(vhost)}`,
      ),
    node,
    ctl: (args) => {
      const up = nodes.find((n) => n !== undefined);
      if (!up) return Promise.reject(new Error('no RabbitMQ node is running'));
      return up.ctl(args);
    },
    kill(i, signal = 'SIGKILL') {
      const n = node(i);
      nodes[i] = undefined;
      n.kill(signal);
    },
    async restart(i) {
      if (nodes[i]) return nodes[i];
      const n = await startRabbitMQ(optionsOf(i));
      nodes[i] = n;
      return n;
    },
    stop: stopAll,
  };
}
