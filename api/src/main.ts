import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadConfigOrExit } from '@energy/lib/config';
import { HOST } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { keepScrapeConnectionsAlive } from '@energy/lib/ops-http-server';
import { startTracing } from '@energy/lib/tracing';
import { buildApp } from './app.js';
import { AccessTokens } from './auth/access-tokens.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { MongoLoginThrottle } from './auth/mongo-login-throttle.js';
import { BrokerAdmin } from './broker/broker-admin.js';
import { buildInternalApp } from './broker/internal-app.js';
import { CONFIG_SPEC } from './config.js';
import { API_TLS_SPEC, apiTlsProblem, createApiServer } from './http/tls-listener.js';
import type { AppDeps } from './deps.js';
import { NoGrafana } from './grafana/grafana-provisioner.js';
import { HttpGrafana } from './grafana/http-grafana.js';
import { startProvisioningLoop, type ProvisioningLoop } from './grafana/provisioning-loop.js';
import { QueuedGrafana, queueingGrafanaChanges } from './core/households/grafana-provisioning.js';
import { queueLayoutMigration } from './core/households/grafana-migration.js';
import { loadJwtSecret } from './jwt-secret.js';
import { createMetrics } from './metrics.js';
import { loadGrafanaClientSecret, loadOidcKeys } from './oidc/oidc-keys.js';
import { buildProvider } from './oidc/oidc-provider.js';
import { loadPortal } from './portal/load-portal.js';
import { VmClient } from './vm/vm-client.js';
import { VmSeriesReader } from './vm/vm-series-reader.js';
import { VmWriter, vmWriteBase } from './vm/vm-writer.js';
import { startWritebackLoop, type WritebackLoop } from './grafana/daily-writeback-loop.js';
import { openStore } from './store/open-store.js';
import { SmtpMailer } from './mail/smtp-mailer.js';

const tracing = startTracing('api');
const config = loadConfigOrExit(CONFIG_SPEC);
const apiTls = loadConfigOrExit(API_TLS_SPEC);
const apiTlsError = apiTlsProblem(apiTls);
if (apiTlsError) {
  process.stderr.write(`${apiTlsError}\n`);
  process.exit(1);
}
const logger = createLogger('api');
mkdirSync(config.stateDir, { recursive: true });
const metrics = createMetrics();
const grafana = grafanaFrom();
const vm = new VmClient(config.vmUrl, (result) => metrics.vmQueries.inc({ result }), config.vmDeleteUrl);
const openedStore = await openStore({ mongodbUri: config.mongodbUri, stateDir: config.stateDir });
// With Grafana, every change it must hear about is queued (docs/grafana.md); without, nothing is.
let provisioning: ProvisioningLoop | undefined;
const kick = (): void => provisioning?.kick();
const now = (): Date => new Date();
const store = grafana.configured ? queueingGrafanaChanges(openedStore, { now, kick }) : openedStore;
if (grafana.configured) {
  // Households of the organisation-per-household layout: a first bounded
  // part queued before listening, the rest a minute apart until done.
  const migrate = async (maxPages: number): Promise<void> => {
    try {
      if ((await queueLayoutMigration({ store, now, kick, log: logger, maxPages })).done) return;
    } catch (err) {
      logger.error({ err }, 'grafana: the layout migration pass failed; tried again in a minute');
    }
    setTimeout(() => void migrate(200), 60_000).unref();
  };
  await migrate(4);
}
if (grafana.configured)
  provisioning = startProvisioningLoop({
    worker: { store, grafana, now, backoff: { initialMs: config.grafanaRetryMs, maxMs: 300_000 } },
    logger,
    metrics,
    intervalMs: Math.min(5_000, config.grafanaRetryMs),
  });
const throttleLimits = {
  perPair: config.loginPerPair,
  perAccount: config.loginPerAccount,
  perAddress: config.loginPerAddress,
  windowSeconds: config.loginWindowSeconds,
};
const series = new VmSeriesReader(vm);
// Closed local days written back as daily kWh and cost series for the household board (docs/grafana.md).
const writeBase = vmWriteBase(config.vmUrl, config.vmWriteUrl);
let writeback: WritebackLoop | undefined;
if (writeBase)
  writeback = startWritebackLoop({
    deps: { store, series, writer: new VmWriter(vm, writeBase), nowMs: Date.now },
    logger,
    metrics,
    intervalMs: config.dailyWritebackMs,
  });
else logger.info("VM_URL is a cluster's vmselect and VM_WRITE_URL is unset: no daily write-back");
const deps: AppDeps = {
  store,
  tokens: new AccessTokens(loadJwtSecret(config.stateDir, config.jwtSecret)),
  // On MongoDB the API may run as several replicas: they count login attempts together.
  throttle: config.mongodbUri
    ? await MongoLoginThrottle.open(config.mongodbUri, throttleLimits)
    : new LoginThrottle(throttleLimits),
  vm,
  series,
  metrics,
  logger,
  brokerPublicUrl: config.brokerPublicUrl,
  brokerPublicUrls: config.brokerPublicUrls,
  brokerCa: brokerCaFrom(config.brokerCaFile),
  deviceSecretGraceS: config.deviceSecretGraceHours * 3600,
  brokerAdmin:
    config.rabbitmqManagementUrl && config.rabbitmqAdminUser && config.rabbitmqAdminPassword
      ? new BrokerAdmin(config.rabbitmqManagementUrl, config.rabbitmqAdminUser, config.rabbitmqAdminPassword)
      : undefined,
  grafana: grafana.configured ? new QueuedGrafana({ store, grafana, now, kick }) : grafana,
  // Bundled at build time (npm run build:portal -w api): without it the API would serve a blank page.
  portal: await loadPortal(logger).catch((err: unknown) => {
    logger.fatal({ err }, err instanceof Error ? err.message : 'the portal cannot be loaded');
    process.exit(1);
  }),
  mailer: mailerFrom(),
  publicUrl: config.publicUrl.replace(/\/+$/, ''),
  trustProxy: config.trustProxy,
  // Grafana signs in here; keys and client secret made once into STATE_DIR (src/oidc/oidc-keys.ts).
  oidc: buildProvider({
    apiPublicUrl: config.apiPublicUrl ?? `http://127.0.0.1:${config.apiPort}`,
    grafanaPublicUrl: config.grafanaPublicUrl ?? config.grafanaUrl ?? 'http://127.0.0.1:3000',
    grafanaClientSecret: loadGrafanaClientSecret(config.stateDir, config.grafanaOauthClientSecret),
    keys: loadOidcKeys(config.stateDir),
    store,
    trustProxy: config.trustProxy,
  }),
};

const api = createApiServer(handler(buildApp(deps)), apiTls);
const internal = createServer(handler(buildInternalApp(deps, config.brokerAuthSecret)));
// vmagent scrapes /metrics here: without this every scrape took 2 s (lib/src/ops-http-server.ts).
keepScrapeConnectionsAlive(api);
function listen(server: ReturnType<typeof createServer>, port: number, name: string): Promise<void> {
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      logger.fatal(
        { err },
        `${name} cannot listen on ${HOST}:${port}${err.code === 'EADDRINUSE' ? ' (port taken)' : ''}`,
      );
      process.exit(1);
    });
    server.listen(port, HOST, resolve);
  });
}
await listen(api, config.apiPort, 'API (API_PORT)');
await listen(internal, config.brokerAuthPort, 'broker auth listener (BROKER_AUTH_PORT)');
logger.info(
  {
    port: config.apiPort,
    internalPort: config.brokerAuthPort,
    store: store.kind,
    tls: apiTls.certFile !== undefined,
  },
  'api listening',
);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ sig }, 'stopping');
    api.close();
    internal.close();
    api.closeAllConnections();
    internal.closeAllConnections();
    void Promise.allSettled([
      Promise.all([provisioning?.stop(), writeback?.stop()]).then(() => store.close()),
      tracing.shutdown(),
    ]).then(() => process.exit(0));
  });
}

/** SmtpMailer when SMTP_URL is set; else no mail, said once here. */
function mailerFrom(): SmtpMailer | undefined {
  if (!config.smtpUrl) {
    logger.info('SMTP_URL is not set: no alert or invitation mails');
    return undefined;
  }
  logger.info({ from: config.smtpFrom, publicUrl: config.publicUrl }, 'mails go over SMTP');
  return new SmtpMailer(config.smtpUrl, config.smtpFrom);
}

/** HttpGrafana when GRAFANA_URL is set (then the admin credentials are required), else NoGrafana. */
function grafanaFrom(): HttpGrafana | NoGrafana {
  if (!config.grafanaUrl) {
    logger.info('GRAFANA_URL is not set: no per-household Grafana provisioning');
    return new NoGrafana();
  }
  if (!config.grafanaAdminUser || !config.grafanaAdminPassword) {
    logger.fatal('GRAFANA_URL is set: GRAFANA_ADMIN_USER and GRAFANA_ADMIN_PASSWORD are required too');
    process.exit(1);
  }
  try {
    return new HttpGrafana({
      url: config.grafanaUrl,
      adminUser: config.grafanaAdminUser,
      adminPassword: config.grafanaAdminPassword,
      apiUrl: config.grafanaDatasourceUrl ?? `http://127.0.0.1:${config.apiPort}`,
      publicUrl: config.grafanaPublicUrl,
      orgs: config.grafanaOrgs,
      timeoutMs: config.grafanaTimeoutMs,
    });
  } catch (err) {
    // The household board is read at start: a missing grafana/ folder is a deployment error.
    logger.fatal({ err }, 'the household Grafana board cannot be loaded');
    process.exit(1);
  }
}

function handler(app: { callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void> }) {
  const cb = app.callback();
  return (req: IncomingMessage, res: ServerResponse): void => void cb(req, res);
}

/** Read once at start: a missing or garbled file stops the API rather than pairing devices that cannot connect. */
function brokerCaFrom(file: string | undefined): string | undefined {
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`BROKER_CA_FILE ${file} cannot be read: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    process.stderr.write(`BROKER_CA_FILE ${file} holds no PEM certificate\n`);
    process.exit(1);
  }
  return pem;
}
