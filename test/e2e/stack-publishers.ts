/**
 * Extra publishers for tests on the local stack, started from the same
 * built entry points the launcher runs (`<workspace>/dist/*.js`), each a
 * supervised child in its own process group so a test can SIGKILL it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRY, REPO_ROOT } from '@energy/compose/repo-paths';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/index';
import { freePort } from '@energy/lib/services/ports';

/** The per-device daemon (the launcher runs only the fleet, so ENTRY has no name for it). */
const EXPORTER_ENTRY = join(REPO_ROOT, 'exporters/dist/main.js');

/** What POST /api/v1/devices answers under `broker` (the password is shown once). */
export interface BrokerCredentials {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface DeviceExporterOptions {
  readonly name: string;
  readonly broker: BrokerCredentials;
  /** The device's own folder: its SQLite outbox lives here. */
  readonly dir: string;
  readonly logDir: string;
}

/**
 * A Pi's exporter daemon with its simulator meter (30 sockets), logging in
 * to RabbitMQ with the credentials the API gave the device. Ready once it
 * holds a broker connection, i.e. the broker asked the API and was told yes.
 */
export async function startDeviceExporter(o: DeviceExporterOptions): Promise<SupervisedProcess> {
  mkdirSync(o.dir, { recursive: true });
  const port = await freePort();
  return startProcess({
    name: o.name,
    command: process.execPath,
    args: ['--enable-source-maps', EXPORTER_ENTRY],
    cwd: REPO_ROOT,
    env: {
      AMQP_URL: o.broker.url,
      AMQP_USERNAME: o.broker.username,
      AMQP_PASSWORD: o.broker.password,
      OUTBOX_PATH: join(o.dir, 'outbox.sqlite'),
      EXPORTER_METRICS_PORT: String(port),
      METERS: '[{"type":"simulator"}]',
      // A test machine's clock is not under test here: do not wait for timesyncd (a CI VM may run it unsynced).
      EXPORTER_CLOCK_CHECK: 'trust',
    },
    logFile: join(o.logDir, `${o.name}.log`),
    ports: [{ port, envVar: 'EXPORTER_METRICS_PORT' }],
    health: { url: `http://127.0.0.1:${port}/readyz` },
    startTimeoutMs: 60_000,
  });
}

export interface BackfillFleetOptions {
  readonly name: string;
  /** The fleet manifest the seed wrote (gateway credentials and households). */
  readonly manifest: string;
  readonly amqpUrl: string;
  /** Hours of past minutes to publish before catching up with now. */
  readonly backfillHours: number;
  /** Backfill publishes per second (FLEET_BACKFILL_RATE). */
  readonly ratePerS: number;
  readonly logDir: string;
}

/**
 * A second fleet gateway process on the seeded manifest that replays a long
 * past at a fixed rate: what a block of flats coming back after days
 * offline sends. Its metrics port is not scraped.
 */
export async function startBackfillFleet(o: BackfillFleetOptions): Promise<SupervisedProcess> {
  const port = await freePort();
  return startProcess({
    name: o.name,
    command: process.execPath,
    args: ['--enable-source-maps', ENTRY.fleet],
    cwd: REPO_ROOT,
    env: {
      FLEET_MANIFEST: o.manifest,
      AMQP_URL: o.amqpUrl,
      BACKFILL_HOURS: String(o.backfillHours),
      FLEET_BACKFILL_RATE: String(o.ratePerS),
      EXPORTER_METRICS_PORT: String(port),
    },
    logFile: join(o.logDir, `${o.name}.log`),
    ports: [{ port, envVar: 'EXPORTER_METRICS_PORT' }],
    health: { url: `http://127.0.0.1:${port}/readyz` },
    startTimeoutMs: 60_000,
  });
}
