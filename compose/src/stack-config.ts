import { DEFAULT_PORTS } from '@energy/lib/defaults';
import { field, readConfig, type Spec } from '@energy/lib/config';

/** Everything the local stack can be told, from the environment (README.md lists it). */
export interface StackConfig {
  readonly stateDir: string;
  readonly apiPort: number;
  readonly brokerAuthPort: number;
  readonly vmPort: number;
  readonly amqpPort: number;
  /** The broker's AMQPS listener (certificate from the local CA in STATE_DIR/tls). */
  readonly amqpsPort: number;
  /**
   * The production profile: no plain AMQP listener at all and the API over
   * https. Off (the local demo): plain AMQP stays on 127.0.0.1 beside AMQPS
   * for local tools; the collector and the fleet use AMQPS either way.
   */
  readonly production: boolean;
  /** The API serves https with the local CA's certificate (always on in the production profile). */
  readonly apiTls: boolean;
  readonly rabbitmqManagementPort: number;
  readonly rabbitmqPrometheusPort: number;
  readonly rabbitmqDistPort: number;
  readonly rabbitmqNodeName: string;
  readonly collectorMetricsPort: number;
  readonly exporterMetricsPort: number;
  readonly monitoringVmPort: number;
  readonly vmagentPort: number;
  readonly vmalertOperatorsPort: number;
  readonly vmalertHouseholdsPort: number;
  readonly alertmanagerPort: number;
  readonly brokerAuthSecret: string | undefined;
  readonly retentionPeriod: string;
  readonly monitoring: boolean;
  readonly operatorsWebhookUrl: string | undefined;
  readonly deadmanUrl: string | undefined;
  /** The demo's local sink for operator alerts and the Watchdog (compose/src/alert-sink.ts). */
  readonly alertSinkPort: number;
  /** The demo's mail sink (compose/src/mail-sink.ts): SMTP for the API, HTTP to read what it sent. */
  readonly mailSinkSmtpPort: number;
  readonly mailSinkHttpPort: number;
  /** A real SMTP server for the API's mails; set, the sink is not started. */
  readonly smtpUrl: string | undefined;
  readonly scrapeInterval: string;
  readonly fleet: boolean;
  /** Three RabbitMQ nodes and a collector per shard instead of one of each (compose/src/cluster-components.ts). */
  readonly cluster: boolean;
  readonly fleetHouseholds: number;
  readonly backfillHours: number;
  readonly demoPassword: string | undefined;
}

export const STACK_CONFIG: Spec<StackConfig> = {
  // Must be traversable by user rabbitmq: not under a 0700 home directory.
  stateDir: ['STATE_DIR', field.string('/var/lib/energymonitor')],
  apiPort: ['API_PORT', field.port(DEFAULT_PORTS.api)],
  brokerAuthPort: ['BROKER_AUTH_PORT', field.port(DEFAULT_PORTS.brokerAuth)],
  vmPort: ['VM_PORT', field.port(DEFAULT_PORTS.victoriaMetrics)],
  amqpPort: ['AMQP_PORT', field.port(DEFAULT_PORTS.amqp)],
  amqpsPort: ['AMQPS_PORT', field.port(5671)],
  production: ['PRODUCTION', field.bool(false)],
  apiTls: ['API_TLS', field.bool(false)],
  rabbitmqManagementPort: ['RABBITMQ_MANAGEMENT_PORT', field.port(DEFAULT_PORTS.rabbitmqManagement)],
  rabbitmqPrometheusPort: ['RABBITMQ_PROMETHEUS_PORT', field.port(DEFAULT_PORTS.rabbitmqPrometheus)],
  // Not 25672: a system RabbitMQ may hold that one.
  rabbitmqDistPort: ['RABBITMQ_DIST_PORT', field.port(25673)],
  rabbitmqNodeName: ['RABBITMQ_NODENAME', field.string('energy@localhost')],
  collectorMetricsPort: ['COLLECTOR_METRICS_PORT', field.port(DEFAULT_PORTS.collectorMetrics)],
  exporterMetricsPort: ['EXPORTER_METRICS_PORT', field.port(DEFAULT_PORTS.exporterMetrics)],
  monitoringVmPort: ['MONITORING_VM_PORT', field.port(DEFAULT_PORTS.monitoringVictoriaMetrics)],
  vmagentPort: ['VMAGENT_PORT', field.port(DEFAULT_PORTS.vmagent)],
  vmalertOperatorsPort: ['VMALERT_OPERATORS_PORT', field.port(DEFAULT_PORTS.vmalertOperators)],
  vmalertHouseholdsPort: ['VMALERT_HOUSEHOLDS_PORT', field.port(DEFAULT_PORTS.vmalertHouseholds)],
  alertmanagerPort: ['ALERTMANAGER_PORT', field.port(DEFAULT_PORTS.alertmanager)],
  brokerAuthSecret: ['BROKER_AUTH_SECRET', field.optionalString()],
  retentionPeriod: ['VM_RETENTION', field.string('5y')],
  monitoring: ['MONITORING', field.bool(true)],
  operatorsWebhookUrl: ['OPERATORS_WEBHOOK_URL', field.optionalString()],
  deadmanUrl: ['DEADMAN_URL', field.optionalString()],
  alertSinkPort: ['ALERT_SINK_PORT', field.port(9097)],
  mailSinkSmtpPort: ['MAIL_SINK_SMTP_PORT', field.port(2525)],
  mailSinkHttpPort: ['MAIL_SINK_HTTP_PORT', field.port(2526)],
  smtpUrl: ['SMTP_URL', field.optionalString()],
  scrapeInterval: ['SCRAPE_INTERVAL', field.string('15s')],
  fleet: ['FLEET', field.bool(false)],
  cluster: ['CLUSTER', field.bool(false)],
  fleetHouseholds: ['FLEET_HOUSEHOLDS', field.int(50, 1, 100_000)],
  backfillHours: ['BACKFILL_HOURS', field.number(0, 0, 24 * 400)],
  demoPassword: ['DEMO_PASSWORD', field.optionalString()],
};

export const CLI_USAGE = `usage: npm run stack -- [--fleet] [--households N] [--backfill-hours H] [--no-monitoring] [--cluster] [--check]
  --fleet             seed the demo account and households, then run the simulated exporter fleet
  --households N      households of the fleet (FLEET_HOUSEHOLDS, default 50)
  --backfill-hours H  hours of past readings the fleet publishes first (BACKFILL_HOURS, default 0)
  --no-monitoring     leave out the monitoring stack (MONITORING=false)
  --cluster           a 3-node RabbitMQ cluster (ports +100 per node) and one collector per shard (CLUSTER=true)
  --check             start everything, print the status, stop again; exit 1 if a component failed
Every address and folder is set by environment variables: see compose/README.md.`;

export interface CliOptions {
  readonly check: boolean;
  readonly help: boolean;
}

/** Command-line flags are shorthands for the variables above; they win over the environment. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { config: StackConfig; cli: CliOptions } {
  const e: NodeJS.ProcessEnv = { ...env };
  let check = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--fleet') e.FLEET = 'true';
    else if (a === '--households') e.FLEET_HOUSEHOLDS = value();
    else if (a === '--backfill-hours') e.BACKFILL_HOURS = value();
    else if (a === '--no-monitoring') e.MONITORING = 'false';
    else if (a === '--cluster') e.CLUSTER = 'true';
    else if (a === '--check') check = true;
    else if (a === '--help' || a === '-h') help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return { config: readConfig(STACK_CONFIG, e), cli: { check, help } };
}
