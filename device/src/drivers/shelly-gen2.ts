import { safeRead, type MeterReading, type PowerMeter, type SocketSample } from '../power-meter.js';
import { finiteNumber, getJson } from './http-json.js';

export interface ShellyGen2Options {
  /** e.g. http://192.168.1.40 */
  readonly url: string;
  /** Switch component ids (a Plus 2PM has 0 and 1). */
  readonly channels: readonly number[];
  readonly firstSocket: number;
  readonly timeoutMs?: number;
}

/**
 * Shelly Gen2 plug or relay over its RPC HTTP API:
 * `GET /rpc/Switch.GetStatus?id=N` → apower (W), voltage, current,
 * aenergy.total (Wh since the device booted; it restarts at 0 when the plug
 * reboots, which the exporter folds like any meter reset).
 */
export class ShellyGen2Meter implements PowerMeter {
  readonly chip = 'shelly-gen2';
  constructor(private readonly opts: ShellyGen2Options) {}

  read(): Promise<MeterReading> {
    return safeRead(this.chip, async () => {
      const base = this.opts.url.replace(/\/$/, '');
      const samples: SocketSample[] = [];
      for (const [i, id] of this.opts.channels.entries()) {
        const body = (await getJson(
          this.chip,
          `${base}/rpc/Switch.GetStatus?id=${id}`,
          this.opts.timeoutMs ?? 2000,
        )) as {
          apower?: unknown;
          voltage?: unknown;
          current?: unknown;
          aenergy?: { total?: unknown };
        } | null;
        const watts = finiteNumber(this.chip, body?.apower, 'apower');
        const wh = finiteNumber(this.chip, body?.aenergy?.total, 'aenergy.total');
        samples.push({
          socket: this.opts.firstSocket + i,
          watts: Math.max(0, watts),
          energyJoules: wh * 3600,
          ...(typeof body?.voltage === 'number' ? { volts: body.voltage } : {}),
          ...(typeof body?.current === 'number' ? { amps: body.current } : {}),
        });
      }
      return samples;
    });
  }
}
