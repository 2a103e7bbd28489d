import { DEFAULT_PORTS } from '@energy/lib/defaults';
import { field, type Field, type Spec } from '@energy/lib/config';
import { brokerUrlsField } from '@energy/lib/broker-urls';

export interface ApiConfig {
  readonly apiPort: number;
  readonly brokerAuthPort: number;
  readonly brokerAuthSecret: string;
  readonly vmUrl: string;
  /**
   * Where series are deleted: a VictoriaMetrics cluster serves delete_series
   * under vmselect's `/delete/<tenant>/prometheus`, not under VM_URL's
   * `/select/<tenant>/prometheus`. Unset: derived from VM_URL (vm/vm-urls.ts).
   */
  readonly vmDeleteUrl: string | undefined;
  /**
   * Where the API writes its own series (the daily kWh and cost of closed
   * days, docs/grafana.md): a cluster's vminsert `/insert/<tenant>/prometheus`.
   * Unset: VM_URL when it is a single node; nothing written back on a cluster.
   */
  readonly vmWriteUrl: string | undefined;
  /** How often closed days are looked for and written back (ms). */
  readonly dailyWritebackMs: number;
  readonly stateDir: string;
  readonly mongodbUri: string | undefined;
  readonly jwtSecret: string | undefined;
  readonly brokerPublicUrl: string;
  /** Every node of a broker cluster devices are told about (comma-separated); unset: BROKER_PUBLIC_URL alone. */
  readonly brokerPublicUrls: readonly string[] | undefined;
  /** A PEM file: the CA of the broker's amqps:// certificate, handed to devices when they pair. */
  readonly brokerCaFile: string | undefined;
  /** How long a device's replaced broker secret stays accepted after it rotated it (DEVICE_SECRET_GRACE_HOURS). */
  readonly deviceSecretGraceHours: number;
  readonly rabbitmqManagementUrl: string | undefined;
  readonly rabbitmqAdminUser: string | undefined;
  readonly rabbitmqAdminPassword: string | undefined;
  readonly grafanaUrl: string | undefined;
  readonly grafanaAdminUser: string | undefined;
  readonly grafanaAdminPassword: string | undefined;
  /** The API's base URL as Grafana reaches it; default http://127.0.0.1:<API_PORT>. */
  readonly grafanaDatasourceUrl: string | undefined;
  /** Grafana as people reach it: the portal's link to the household board, the OIDC client's redirect; unset: GRAFANA_URL. */
  readonly grafanaPublicUrl: string | undefined;
  /** How many shared Grafana organisations households are spread over (docs/grafana.md). */
  readonly grafanaOrgs: number;
  /** How long the provisioner waits for one answer of Grafana. */
  readonly grafanaTimeoutMs: number;
  /** The first wait before a failed provisioning job is tried again (doubling to 5 minutes). */
  readonly grafanaRetryMs: number;
  readonly loginPerPair: number;
  readonly loginPerAccount: number;
  readonly loginPerAddress: number;
  readonly loginWindowSeconds: number;
  /** Where household alert and invitation mails go (smtp://host:port); unset → no mail. */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
  /** The portal's address as people reach it: the base of every link in a mail. */
  readonly publicUrl: string;
  /** Only when every request comes through our reverse proxy: else anyone could name their own address. */
  readonly trustProxy: boolean;
  /** The API's address as browsers and Grafana reach it (default http://127.0.0.1:<API_PORT>): the OpenID Connect issuer is this + /oidc. */
  readonly apiPublicUrl: string | undefined;
  /** The Grafana client's secret; unset: generated once into STATE_DIR/grafana-oauth-client-secret. */
  readonly grafanaOauthClientSecret: string | undefined;
}

export const CONFIG_SPEC: Spec<ApiConfig> = {
  apiPort: ['API_PORT', field.port(DEFAULT_PORTS.api)],
  brokerAuthPort: ['BROKER_AUTH_PORT', field.port(DEFAULT_PORTS.brokerAuth)],
  brokerAuthSecret: ['BROKER_AUTH_SECRET', field.string()],
  vmUrl: ['VM_URL', field.url(`http://127.0.0.1:${DEFAULT_PORTS.victoriaMetrics}`)],
  vmDeleteUrl: ['VM_DELETE_URL', optionalUrl()],
  vmWriteUrl: ['VM_WRITE_URL', optionalUrl()],
  dailyWritebackMs: ['DAILY_WRITEBACK_MS', field.int(60_000, 1000)],
  stateDir: ['STATE_DIR', field.string()],
  mongodbUri: ['MONGODB_URI', field.optionalString()],
  jwtSecret: ['JWT_SECRET', field.optionalString()],
  brokerPublicUrl: ['BROKER_PUBLIC_URL', field.url(`amqp://127.0.0.1:${DEFAULT_PORTS.amqp}`)],
  brokerPublicUrls: ['BROKER_PUBLIC_URLS', brokerUrlsField()],
  brokerCaFile: ['BROKER_CA_FILE', field.optionalString()],
  deviceSecretGraceHours: ['DEVICE_SECRET_GRACE_HOURS', field.number(24, 0, 24 * 30)],
  rabbitmqManagementUrl: ['RABBITMQ_MANAGEMENT_URL', field.optionalString()],
  rabbitmqAdminUser: ['RABBITMQ_ADMIN_USER', field.optionalString()],
  rabbitmqAdminPassword: ['RABBITMQ_ADMIN_PASSWORD', field.optionalString()],
  grafanaUrl: ['GRAFANA_URL', field.optionalString()],
  grafanaAdminUser: ['GRAFANA_ADMIN_USER', field.optionalString()],
  grafanaAdminPassword: ['GRAFANA_ADMIN_PASSWORD', field.optionalString()],
  grafanaDatasourceUrl: ['GRAFANA_DATASOURCE_URL', field.optionalString()],
  grafanaPublicUrl: ['GRAFANA_PUBLIC_URL', field.optionalString()],
  grafanaOrgs: ['GRAFANA_ORGS', field.int(1, 1)],
  grafanaTimeoutMs: ['GRAFANA_TIMEOUT_MS', field.int(10_000, 1)],
  grafanaRetryMs: ['GRAFANA_RETRY_MS', field.int(1_000, 1)],
  loginPerPair: ['LOGIN_LIMIT_PER_ACCOUNT_ADDRESS', field.int(5, 1)],
  loginPerAccount: ['LOGIN_LIMIT_PER_ACCOUNT', field.int(50, 1)],
  loginPerAddress: ['LOGIN_LIMIT_PER_ADDRESS', field.int(100, 1)],
  loginWindowSeconds: ['LOGIN_LIMIT_WINDOW_SECONDS', field.int(300, 1)],
  smtpUrl: ['SMTP_URL', field.optionalString()],
  smtpFrom: ['SMTP_FROM', field.string('Energymonitor <energymonitor@localhost>')],
  publicUrl: ['PUBLIC_URL', field.url(`http://127.0.0.1:${DEFAULT_PORTS.api}`)],
  trustProxy: ['TRUST_PROXY', field.bool(false)],
  apiPublicUrl: ['API_PUBLIC_URL', field.optionalString()],
  grafanaOauthClientSecret: ['GRAFANA_OAUTH_CLIENT_SECRET', field.optionalString()],
};

/** An optional URL: unset or empty is undefined, anything else must parse. */
function optionalUrl(): Field<string | undefined> {
  return {
    read(name, raw, problems) {
      if (raw === undefined || raw === '') return undefined;
      return field.url().read(name, raw, problems);
    },
  };
}
