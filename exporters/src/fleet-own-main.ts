import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import type { FleetManifest } from '@energy/lib/fleet-manifest';
import type { Logger } from '@energy/lib/logger';
import { startOpsHttpServer } from '@energy/lib/ops-http-server';
import { OwnConnectionsFleet, type OwnDevice } from './fleet-own-connections.js';
import type { ExporterMetrics } from './metrics.js';

export interface OwnFleetConfig {
  readonly amqpUrls: readonly string[];
  readonly amqpCaFile?: string;
  readonly seed: number;
  readonly metricsPort: number;
  readonly backfillHours: number;
  readonly minuteEveryMs: number;
  readonly bootSpreadMs: number;
}

/**
 * FLEET_MODE=devices: every device of the manifest logs in as itself with
 * the password the seed gave it (fleet-own-connections.ts), as real Pis do.
 * Runs until SIGINT/SIGTERM, then publishes what the outboxes hold (5 s at most).
 */
export async function runOwnConnectionsFleet(
  c: OwnFleetConfig,
  manifest: FleetManifest,
  log: Logger,
  metrics: ExporterMetrics,
): Promise<void> {
  const devices: OwnDevice[] = [];
  for (const h of manifest.households)
    for (const d of h.devices) {
      if (d.password === undefined)
        throw new Error(
          `FLEET_MODE=devices: device ${h.householdId}.${d.deviceId} has no password in the manifest (re-run the API's seed)`,
        );
      devices.push({
        householdId: h.householdId,
        deviceId: d.deviceId,
        password: d.password,
        sockets: d.sockets,
        timeZone: h.timeZone,
      });
    }
  const fleet = new OwnConnectionsFleet({
    devices,
    amqpUrls: c.amqpUrls,
    ...(c.amqpCaFile === undefined ? {} : { caFile: c.amqpCaFile }),
    exchange: READINGS_EXCHANGE,
    seed: c.seed,
    log,
    metrics,
    startMinute: Math.floor(Date.now() / 60_000) - Math.round(c.backfillHours * 60),
    minuteEveryMs: c.minuteEveryMs,
    bootSpreadMs: c.bootSpreadMs,
  });
  const server = await startOpsHttpServer({
    port: c.metricsPort,
    registry: metrics.registry,
    isReady: () => fleet.connected > 0,
    notReadyText: 'no device connected to the broker',
  });
  fleet.start();
  log.info({ devices: devices.length, mode: 'devices' }, 'fleet started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'fleet stopping');
      void fleet.stop(5000).then(() => {
        server.close();
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
