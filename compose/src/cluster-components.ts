import { join } from 'node:path';
import { startRabbitMQCluster, type ClusterNodePorts } from '@energy/lib/services/index';
import { ensureLocalCa, ensureServerCert } from '@energy/lib/services/tls-ca';
import { COLLECTOR_USER, ensureCollectorUser } from './broker-users.js';
import type { Component } from './component.js';
import type { StackContext } from './components.js';
import { startNodeService } from './node-service.js';
import { ENTRY } from './repo-paths.js';
import type { StackConfig } from './stack-config.js';
import type { StackSecrets } from './state-dir.js';

/**
 * `npm run stack -- --cluster`: three RabbitMQ nodes instead of one, and one
 * collector per shard queue. Node i (0-based) takes the single node's ports
 * plus 100·i (AMQP 5672/5772/5872, AMQPS 5671/5771/5871, management
 * 15672/15772/15872 …; +10·i would put the third node's management on the
 * first one's Prometheus port), is named
 * `<RABBITMQ_NODENAME's name>-c<i+1>@localhost`, and keeps its data, the cluster's Erlang cookie and admin password under
 * STATE_DIR/rabbitmq-cluster.
 */
export const CLUSTER_NODES = 3;
export const CLUSTER_SHARDS = 3;
const PORT_STEP = 100;

export function clusterNodePorts(c: StackConfig): (ClusterNodePorts & { amqps: number })[] {
  return Array.from({ length: CLUSTER_NODES }, (_, i) => ({
    amqp: c.amqpPort + PORT_STEP * i,
    amqps: c.amqpsPort + PORT_STEP * i,
    dist: c.rabbitmqDistPort + PORT_STEP * i,
    management: c.rabbitmqManagementPort + PORT_STEP * i,
    prometheus: c.rabbitmqPrometheusPort + PORT_STEP * i,
  }));
}

/** Every node's AMQPS address, the AMQP_URLS of collectors and the fleet (with credentials when given). */
export function clusterAmqpsUrls(c: StackConfig, user?: string, password?: string): string[] {
  const cred = user ? `${user}:${encodeURIComponent(password ?? '')}@` : '';
  return clusterNodePorts(c).map((p) => `amqps://${cred}127.0.0.1:${p.amqps}/%2F`);
}

const moved = (v: string, i: number): string => (i === 0 ? v : `${v} (node ${i + 1}: +${PORT_STEP * i})`);

/** The broker component of the cluster mode: named `rabbitmq` like the single node, so dependants stay. */
export function clusterBroker(
  c: StackConfig,
  secrets: StackSecrets,
  ctx: StackContext,
  logDir: string,
): Component {
  return {
    name: 'rabbitmq',
    async start() {
      const ca = await ensureLocalCa(join(c.stateDir, 'tls'));
      ctx.ca = ca;
      const brokerCert = await ensureServerCert(ca, 'broker');
      const ports = clusterNodePorts(c);
      const cluster = await startRabbitMQCluster({
        baseDir: join(c.stateDir, 'rabbitmq-cluster'),
        namePrefix: `${c.rabbitmqNodeName.split('@')[0] ?? 'energy'}-c`,
        ports,
        // Every node asks the same API: a device may log in to any of them.
        authHttpBaseUrl: `http://127.0.0.1:${c.brokerAuthPort}`,
        authHttpKey: secrets.brokerAuthSecret,
        tls: (i) => ({ port: ports[i]?.amqps ?? 0, caFile: ca.caCertFile, ...brokerCert }),
        plainListener: !c.production,
        logFile: (i) => join(logDir, `rabbitmq-${i + 1}.log`),
        portEnvVars: (i) => ({
          amqp: moved('AMQP_PORT', i),
          amqps: moved('AMQPS_PORT', i),
          management: moved('RABBITMQ_MANAGEMENT_PORT', i),
          prometheus: moved('RABBITMQ_PROMETHEUS_PORT', i),
          dist: moved('RABBITMQ_DIST_PORT', i),
        }),
      });
      const first = cluster.node(0);
      try {
        // Users are cluster-wide: made once through the first node.
        await ensureCollectorUser(
          { managementUrl: first.managementUrl, admin: first.admin },
          secrets.collectorPassword,
        );
      } catch (err) {
        await cluster.stop();
        throw err;
      }
      ctx.rabbit = first;
      ctx.brokerUrls = clusterAmqpsUrls(c);
      return {
        address: `${cluster.nodeNames.join(' ')}  ${ctx.brokerUrls.join(' ')}  ${first.managementUrl}`,
        pid: first.process.pid,
        stop: cluster.stop,
        exited: Promise.race(cluster.nodeNames.map((_, i) => cluster.node(i).process.exited)),
      };
    },
  };
}

/** One collector per shard queue, each knowing every node (AMQP_URLS); three replicas per queue. */
export function clusterCollectors(c: StackConfig, secrets: StackSecrets, logDir: string): Component[] {
  const urls = clusterAmqpsUrls(c, COLLECTOR_USER, secrets.collectorPassword).join(',');
  return Array.from({ length: CLUSTER_SHARDS }, (_, shard) => {
    const port = c.collectorMetricsPort + shard;
    const name = `collector-${shard + 1}`;
    return {
      name,
      needsFiles: [ENTRY.collector],
      dependsOn: ['victoria-metrics', 'rabbitmq'],
      start() {
        return startNodeService({
          name,
          entry: ENTRY.collector,
          env: {
            AMQP_URLS: urls,
            AMQP_CA_FILE: join(c.stateDir, 'tls', 'ca.crt'),
            VM_URL: `http://127.0.0.1:${c.vmPort}`,
            COLLECTOR_METRICS_PORT: String(port),
            COLLECTOR_SHARDS: String(CLUSTER_SHARDS),
            COLLECTOR_CONSUME_QUEUES: `energy.readings.q.${shard}`,
            COLLECTOR_QUORUM_REPLICAS: String(CLUSTER_NODES),
            BROKER_AUTH_SECRET: secrets.brokerAuthSecret,
            INTERNAL_API_URL: `http://127.0.0.1:${c.brokerAuthPort}`,
          },
          logDir,
          ports: [
            { port, envVar: shard === 0 ? 'COLLECTOR_METRICS_PORT' : `COLLECTOR_METRICS_PORT (+${shard})` },
          ],
          healthUrl: `http://127.0.0.1:${port}/readyz`,
          address: `http://127.0.0.1:${port}/metrics`,
        });
      },
    };
  });
}

/**
 * vmagent's scrape targets for the cluster: every collector and every
 * node's Prometheus port. scrape.yml quotes each variable inside a flow list
 * (`['%{COLLECTOR_TARGET}']`) and vmagent substitutes plain text, so several
 * targets join with `', '`.
 */
export function clusterScrapeTargets(c: StackConfig): { collectors: string; rabbitmq: string } {
  const join = (ports: number[]) => ports.map((p) => `127.0.0.1:${p}`).join("', '");
  return {
    collectors: join(Array.from({ length: CLUSTER_SHARDS }, (_, i) => c.collectorMetricsPort + i)),
    rabbitmq: join(clusterNodePorts(c).map((p) => p.prometheus)),
  };
}
