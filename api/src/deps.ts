import type { Logger } from '@energy/lib/logger';
import type { AccessTokens } from './auth/access-tokens.js';
import type { Caller } from './core/accounts/callers.js';
import type { Throttle } from './core/accounts/login.js';
import type { ApiMetrics } from './metrics.js';
import type { SeriesReader } from './core/readings/series-reader.js';
import type { VmClient } from './vm/vm-client.js';
import type { AccountsStore } from './store/accounts-store.js';
import type { BrokerAdmin } from './broker/broker-admin.js';
import type { GrafanaProvisioner } from './grafana/grafana-provisioner.js';
import type { Mailer } from './core/notifications/mailer.js';
import type { OidcProvider } from './oidc/oidc-provider.js';

/** Everything the app needs from outside; main.ts builds it, tests build their own. */
export interface AppDeps {
  readonly store: AccountsStore;
  readonly tokens: AccessTokens;
  /** In memory for one process; in MongoDB when replicas share the accounts (MongoLoginThrottle). */
  readonly throttle: Throttle;
  /** VictoriaMetrics itself: the Prometheus-compatible pass-through, series deletion, health. */
  readonly vm: VmClient;
  /** The readings domain's reads (VmSeriesReader on `vm` outside tests of the domain alone). */
  readonly series: SeriesReader;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  /** The AMQP URL devices are told to connect to. */
  readonly brokerPublicUrl: string;
  /** Every node of a broker cluster devices are told about; absent: brokerPublicUrl alone. */
  readonly brokerPublicUrls?: readonly string[] | undefined;
  /** The CA certificate (PEM) devices verify the broker's amqps:// certificate with (BROKER_CA_FILE). */
  readonly brokerCa?: string | undefined;
  readonly brokerAdmin?: BrokerAdmin | undefined;
  /** How long a device's replaced secret stays accepted after it rotated (s); absent: 24 h. */
  readonly deviceSecretGraceS?: number | undefined;
  /** Per-household Grafana organisations; absent means NoGrafana (GRAFANA_URL unset). */
  readonly grafana?: GrafanaProvisioner | undefined;
  /** Compiled portal files (index.html, portal.js, ...) by name; absent in tests of the API alone. */
  readonly portal?: ReadonlyMap<string, { type: string; body: Buffer }> | undefined;
  readonly now?: () => Date;
  /** Household alert and invitation mails; absent means no mail (SMTP_URL unset). */
  readonly mailer?: Mailer | undefined;
  /** The portal's address as people reach it, without a trailing slash: the base of links in mails. */
  readonly publicUrl?: string | undefined;
  /** Behind a reverse proxy (TRUST_PROXY): client addresses (the login throttle's) from X-Forwarded-For. */
  readonly trustProxy?: boolean | undefined;
  /** The OpenID Connect provider Grafana signs in with (src/oidc/); absent in tests of the API alone. */
  readonly oidc?: OidcProvider | undefined;
}

/** The authenticated caller a route sees (core/accounts/callers.ts resolves it). */
export type AuthState = Caller;
