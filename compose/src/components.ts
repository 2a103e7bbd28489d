import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startAlertmanager,
  startRabbitMQ,
  startVictoriaMetrics,
  startVmagent,
  startVmalert,
  type RabbitMQHandle,
} from '@energy/lib/services/index';
import { ensureLocalCa, ensureServerCert, type LocalCa } from '@energy/lib/services/tls-ca';
import { startAlertSink } from './alert-sink.js';
import {
  clusterAmqpsUrls,
  clusterBroker,
  clusterCollectors,
  clusterNodePorts,
  clusterScrapeTargets,
} from './cluster-components.js';
import { importPendingDefinitions, PENDING_DEFINITIONS } from './backup/broker-definitions.js';
import { startMailSink } from './mail-sink.js';
import { renderAlertmanagerConfig } from './alertmanager-config.js';
import { renderScrapeConfig } from './scrape-config.js';
import { COLLECTOR_USER, ensureCollectorUser } from './broker-users.js';
import type { Component } from './component.js';
import { HOUSEHOLDS_VMALERT_FLAGS } from './monitoring-flags.js';
import { runNodeJob, startNodeService } from './node-service.js';
import { ENTRY, MONITORING } from './repo-paths.js';
import type { StackConfig } from './stack-config.js';
import type { StackSecrets } from './state-dir.js';

/** What components learn while the stack starts (later ones read what earlier ones set). */
export interface StackContext {
  rabbit?: RabbitMQHandle;
  /** The seed's `Portal: ...  login: ...` line. */
  portalLine?: string;
  /** The local CA (STATE_DIR/tls) that signed the broker's and the API's certificates. */
  ca?: LocalCa;
  /** Every broker node's AMQPS address (cluster mode). */
  brokerUrls?: string[];
}

const url = (port: number): string => `http://127.0.0.1:${port}`;
const target = (port: number): string => `127.0.0.1:${port}`;

/** The local stack, in start order (DESIGN.md ports; each variable moves one). */
export function stackComponents(c: StackConfig, secrets: StackSecrets, ctx: StackContext): Component[] {
  const logDir = join(c.stateDir, 'logs');
  const apiStateDir = join(c.stateDir, 'api');
  const fleetManifest = join(apiStateDir, 'fleet.json');
  const vmUrl = url(c.vmPort);
  const amqpHost = `amqp://127.0.0.1:${c.amqpPort}`;
  const amqpsHost = `amqps://127.0.0.1:${c.amqpsPort}`;
  const apiTls = c.production || c.apiTls;
  const apiUrl = `${apiTls ? 'https' : 'http'}://127.0.0.1:${c.apiPort}`;

  let restoredDefinitions = false;
  const platform: Component[] = [
    {
      name: 'victoria-metrics',
      async start() {
        const vm = await startVictoriaMetrics({
          port: c.vmPort,
          dataDir: join(c.stateDir, 'victoria-metrics'),
          retentionPeriod: c.retentionPeriod,
          logFile: join(logDir, 'victoria-metrics.log'),
          portEnvVar: 'VM_PORT',
        });
        return { address: vm.url, pid: vm.process.pid, stop: vm.stop, exited: vm.process.exited };
      },
    },
    {
      name: 'rabbitmq',
      async start() {
        // Made once, renewed when near its end (lib/src/services/tls-ca.ts).
        const ca = await ensureLocalCa(join(c.stateDir, 'tls'));
        ctx.ca = ca;
        const brokerCert = await ensureServerCert(ca, 'broker');
        const rabbit = await startRabbitMQ({
          tls: { port: c.amqpsPort, caFile: ca.caCertFile, ...brokerCert },
          plainListener: !c.production,
          baseDir: join(c.stateDir, 'rabbitmq'),
          nodeName: c.rabbitmqNodeName,
          amqpPort: c.amqpPort,
          distPort: c.rabbitmqDistPort,
          managementPort: c.rabbitmqManagementPort,
          prometheusPort: c.rabbitmqPrometheusPort,
          authHttpBaseUrl: url(c.brokerAuthPort),
          authHttpKey: secrets.brokerAuthSecret,
          logFile: join(logDir, 'rabbitmq.log'),
          portEnvVars: {
            amqp: 'AMQP_PORT',
            amqps: 'AMQPS_PORT',
            management: 'RABBITMQ_MANAGEMENT_PORT',
            prometheus: 'RABBITMQ_PROMETHEUS_PORT',
            dist: 'RABBITMQ_DIST_PORT',
          },
        });
        try {
          // After `npm run restore`: the backed-up vhosts, users, queues and policies, once.
          if (
            await importPendingDefinitions(
              { managementUrl: rabbit.managementUrl, admin: rabbit.admin },
              join(c.stateDir, 'rabbitmq', PENDING_DEFINITIONS),
            )
          )
            restoredDefinitions = true;
          await ensureCollectorUser(
            { managementUrl: rabbit.managementUrl, admin: rabbit.admin },
            secrets.collectorPassword,
          );
        } catch (err) {
          await rabbit.stop();
          throw err;
        }
        ctx.rabbit = rabbit;
        return {
          address: `${c.production ? '' : `${amqpHost}  `}${amqpsHost}  ${rabbit.managementUrl}${restoredDefinitions ? '  (definitions restored)' : ''}`,
          pid: rabbit.process.pid,
          stop: rabbit.stop,
          exited: rabbit.process.exited,
        };
      },
    },
  ];

  // --cluster: three broker nodes in place of the one (cluster-components.ts).
  if (c.cluster) platform[1] = clusterBroker(c, secrets, ctx, logDir);

  // The API's mails (alerts, invitations) land here unless SMTP_URL names a real server.
  const mail: Component[] = c.smtpUrl
    ? []
    : [
        {
          name: 'mail-sink',
          async start() {
            const sink = await startMailSink({
              smtpPort: c.mailSinkSmtpPort,
              httpPort: c.mailSinkHttpPort,
              logFile: join(logDir, 'mail-sink.log'),
            });
            return { address: sink.mailsUrl, stop: () => sink.close() };
          },
        },
      ];

  // Before the API opens the store: the seed writes the demo account and the fleet manifest.
  const seed: Component[] = c.fleet
    ? [
        {
          name: 'seed',
          needsFiles: [ENTRY.seed],
          async start() {
            const out = await runNodeJob(
              'seed',
              ENTRY.seed,
              {
                STATE_DIR: apiStateDir,
                FLEET_HOUSEHOLDS: String(c.fleetHouseholds),
                API_PORT: String(c.apiPort),
                ...(c.demoPassword ? { DEMO_PASSWORD: c.demoPassword } : {}),
              },
              join(logDir, 'seed.log'),
            );
            const line = out.split('\n').find((l) => l.startsWith('Portal:'));
            // The seed does not know whether the API serves https.
            if (line) ctx.portalLine = apiTls ? line.trim().replace('http://', 'https://') : line.trim();
            return { address: fleetManifest, oneShot: true };
          },
        },
      ]
    : [];

  const apps: Component[] = [
    {
      name: 'api',
      needsFiles: [ENTRY.api],
      dependsOn: ['victoria-metrics', 'rabbitmq', ...mail.map((m) => m.name)],
      async start() {
        const rabbit = ctx.rabbit;
        const ca = ctx.ca ?? (await ensureLocalCa(join(c.stateDir, 'tls')));
        const apiCert = apiTls ? await ensureServerCert(ca, 'api') : undefined;
        return startNodeService({
          name: 'api',
          entry: ENTRY.api,
          env: {
            API_PORT: String(c.apiPort),
            BROKER_AUTH_PORT: String(c.brokerAuthPort),
            BROKER_AUTH_SECRET: secrets.brokerAuthSecret,
            VM_URL: vmUrl,
            STATE_DIR: apiStateDir,
            // Paired devices get the AMQPS address (and need the CA file) in the production profile.
            BROKER_PUBLIC_URL: c.production ? amqpsHost : amqpHost,
            ...(c.cluster
              ? {
                  BROKER_PUBLIC_URLS: clusterNodePorts(c)
                    .map((p) =>
                      c.production ? `amqps://127.0.0.1:${p.amqps}` : `amqp://127.0.0.1:${p.amqp}`,
                    )
                    .join(','),
                }
              : {}),
            // …and get that CA in their pairing answer, written beside their config (exporters/src/pairing.ts).
            ...(c.production ? { BROKER_CA_FILE: ca.caCertFile } : {}),
            ...(apiCert ? { API_TLS_CERT_FILE: apiCert.certFile, API_TLS_KEY_FILE: apiCert.keyFile } : {}),
            RABBITMQ_MANAGEMENT_URL: rabbit?.managementUrl ?? '',
            RABBITMQ_ADMIN_USER: rabbit?.admin.username ?? '',
            RABBITMQ_ADMIN_PASSWORD: rabbit?.admin.password ?? '',
            ...(c.demoPassword ? { DEMO_PASSWORD: c.demoPassword } : {}),
            SMTP_URL: c.smtpUrl ?? `smtp://127.0.0.1:${c.mailSinkSmtpPort}`,
          },
          logDir,
          ports: [
            { port: c.apiPort, envVar: 'API_PORT' },
            { port: c.brokerAuthPort, envVar: 'BROKER_AUTH_PORT' },
          ],
          healthUrl: `${apiUrl}/readyz`,
          ...(apiTls ? { caFile: ca.caCertFile } : {}),
          address: apiUrl,
        });
      },
    },
    {
      name: 'collector',
      needsFiles: [ENTRY.collector],
      dependsOn: ['victoria-metrics', 'rabbitmq'],
      start() {
        return startNodeService({
          name: 'collector',
          entry: ENTRY.collector,
          env: {
            AMQP_URL: `amqps://${COLLECTOR_USER}:${encodeURIComponent(secrets.collectorPassword)}@127.0.0.1:${c.amqpsPort}/%2F`,
            AMQP_CA_FILE: join(c.stateDir, 'tls', 'ca.crt'),
            VM_URL: vmUrl,
            COLLECTOR_METRICS_PORT: String(c.collectorMetricsPort),
            BROKER_AUTH_SECRET: secrets.brokerAuthSecret,
            INTERNAL_API_URL: url(c.brokerAuthPort),
          },
          logDir,
          ports: [{ port: c.collectorMetricsPort, envVar: 'COLLECTOR_METRICS_PORT' }],
          healthUrl: `${url(c.collectorMetricsPort)}/readyz`,
          address: `${url(c.collectorMetricsPort)}/metrics`,
        });
      },
    },
  ];

  // --cluster: one collector per shard queue in place of the one.
  if (c.cluster) apps.splice(1, 1, ...clusterCollectors(c, secrets, logDir));

  const monitoring: Component[] = c.monitoring ? monitoringComponents(c, secrets, logDir) : [];

  const fleet: Component[] = c.fleet
    ? [
        {
          name: 'exporter-fleet',
          needsFiles: [ENTRY.fleet],
          // The collector declares the exchange the fleet publishes to; the API authenticates it.
          dependsOn: ['seed', 'api', c.cluster ? 'collector-1' : 'collector'],
          start() {
            return startNodeService({
              name: 'exporter-fleet',
              entry: ENTRY.fleet,
              env: {
                FLEET_MANIFEST: fleetManifest,
                AMQP_URL: amqpsHost,
                ...(c.cluster ? { AMQP_URLS: clusterAmqpsUrls(c).join(',') } : {}),
                AMQP_CA_FILE: join(c.stateDir, 'tls', 'ca.crt'),
                BACKFILL_HOURS: String(c.backfillHours),
                EXPORTER_METRICS_PORT: String(c.exporterMetricsPort),
              },
              logDir,
              ports: [{ port: c.exporterMetricsPort, envVar: 'EXPORTER_METRICS_PORT' }],
              healthUrl: `${url(c.exporterMetricsPort)}/healthz`,
              address: `${url(c.exporterMetricsPort)}/metrics`,
            });
          },
        },
      ]
    : [];

  return [...platform, ...mail, ...seed, ...apps, ...monitoring, ...fleet];
}

/** The self-monitoring stack: its own store, scraper, two rule evaluators and Alertmanager. */
function monitoringComponents(c: StackConfig, secrets: StackSecrets, logDir: string): Component[] {
  const dir = join(c.stateDir, 'monitoring');
  const monitoringVmUrl = url(c.monitoringVmPort);
  const alertmanagerUrl = url(c.alertmanagerPort);
  const vmUrl = url(c.vmPort);
  return [
    {
      name: 'monitoring-vm',
      async start() {
        const vm = await startVictoriaMetrics({
          name: 'monitoring-vm',
          port: c.monitoringVmPort,
          dataDir: join(dir, 'victoria-metrics'),
          retentionPeriod: '90d',
          logFile: join(logDir, 'monitoring-vm.log'),
          portEnvVar: 'MONITORING_VM_PORT',
        });
        return { address: vm.url, pid: vm.process.pid, stop: vm.stop, exited: vm.process.exited };
      },
    },
    {
      // Operator alerts and the Watchdog land here unless OPERATORS_WEBHOOK_URL / DEADMAN_URL say otherwise.
      name: 'alert-sink',
      async start() {
        const sink = await startAlertSink({ port: c.alertSinkPort, logFile: join(logDir, 'alert-sink.log') });
        return { address: sink.alertsUrl, stop: () => sink.close() };
      },
    },
    {
      name: 'alertmanager',
      needsFiles: [MONITORING.alertmanagerTemplate],
      async start() {
        mkdirSync(dir, { recursive: true });
        const configFile = join(dir, 'alertmanager.yml');
        writeFileSync(
          configFile,
          renderAlertmanagerConfig(readFileSync(MONITORING.alertmanagerTemplate, 'utf8'), {
            brokerAuthPort: c.brokerAuthPort,
            brokerAuthSecret: secrets.brokerAuthSecret,
            operatorsWebhookUrl: c.operatorsWebhookUrl ?? `${url(c.alertSinkPort)}/alerts`,
            deadmanUrl: c.deadmanUrl ?? `${url(c.alertSinkPort)}/deadman`,
          }),
          { mode: 0o600 },
        );
        const p = await startAlertmanager({
          port: c.alertmanagerPort,
          configFile,
          storagePath: join(dir, 'alertmanager'),
          logFile: join(logDir, 'alertmanager.log'),
        });
        return { address: alertmanagerUrl, pid: p.pid, stop: p.stop, exited: p.exited };
      },
    },
    {
      name: 'vmalert-operators',
      needsFiles: [MONITORING.operatorRules],
      dependsOn: ['monitoring-vm'],
      async start() {
        const p = await startVmalert({
          name: 'vmalert-operators',
          port: c.vmalertOperatorsPort,
          portEnvVar: 'VMALERT_OPERATORS_PORT',
          ruleFiles: [MONITORING.operatorRules],
          datasourceUrl: monitoringVmUrl,
          notifierUrl: alertmanagerUrl,
          remoteWriteUrl: monitoringVmUrl,
          remoteReadUrl: monitoringVmUrl,
          evaluationInterval: '15s',
          logFile: join(logDir, 'vmalert-operators.log'),
        });
        return { address: url(c.vmalertOperatorsPort), pid: p.pid, stop: p.stop, exited: p.exited };
      },
    },
    {
      name: 'vmalert-households',
      needsFiles: [MONITORING.householdRules, MONITORING.recordingRules],
      dependsOn: ['victoria-metrics'],
      async start() {
        const p = await startVmalert({
          name: 'vmalert-households',
          port: c.vmalertHouseholdsPort,
          portEnvVar: 'VMALERT_HOUSEHOLDS_PORT',
          ruleFiles: [MONITORING.householdRules, MONITORING.recordingRules],
          // Household rules read the platform's own data and write recording results back there.
          datasourceUrl: vmUrl,
          notifierUrl: alertmanagerUrl,
          remoteWriteUrl: vmUrl,
          evaluationInterval: '1m',
          extraArgs: HOUSEHOLDS_VMALERT_FLAGS,
          logFile: join(logDir, 'vmalert-households.log'),
        });
        return { address: url(c.vmalertHouseholdsPort), pid: p.pid, stop: p.stop, exited: p.exited };
      },
    },
    {
      name: 'vmagent',
      needsFiles: [MONITORING.scrapeConfig],
      dependsOn: ['monitoring-vm'],
      async start() {
        // The API on TLS only (API_TLS, PRODUCTION): its job asks for https and trusts the local CA.
        const apiTls = c.production || c.apiTls;
        let scrapeConfigFile = MONITORING.scrapeConfig;
        if (apiTls) {
          mkdirSync(dir, { recursive: true });
          scrapeConfigFile = join(dir, 'scrape.yml');
          writeFileSync(
            scrapeConfigFile,
            renderScrapeConfig(readFileSync(MONITORING.scrapeConfig, 'utf8'), {
              apiCaFile: join(c.stateDir, 'tls', 'ca.crt'),
            }),
          );
        }
        const p = await startVmagent({
          port: c.vmagentPort,
          scrapeConfigFile,
          remoteWriteUrl: `${monitoringVmUrl}/api/v1/write`,
          tmpDataPath: join(dir, 'vmagent'),
          logFile: join(logDir, 'vmagent.log'),
          env: {
            SCRAPE_INTERVAL: c.scrapeInterval,
            COLLECTOR_TARGET: c.cluster ? clusterScrapeTargets(c).collectors : target(c.collectorMetricsPort),
            API_TARGET: target(c.apiPort),
            EXPORTER_TARGET: target(c.exporterMetricsPort),
            RABBITMQ_PROMETHEUS_TARGET: c.cluster
              ? clusterScrapeTargets(c).rabbitmq
              : target(c.rabbitmqPrometheusPort),
            VM_TARGET: target(c.vmPort),
            MONITORING_VM_TARGET: target(c.monitoringVmPort),
            VMAGENT_TARGET: target(c.vmagentPort),
            VMALERT_OPERATORS_TARGET: target(c.vmalertOperatorsPort),
            VMALERT_HOUSEHOLDS_TARGET: target(c.vmalertHouseholdsPort),
            ALERTMANAGER_TARGET: target(c.alertmanagerPort),
          },
        });
        return { address: url(c.vmagentPort), pid: p.pid, stop: p.stop, exited: p.exited };
      },
    },
  ];
}
