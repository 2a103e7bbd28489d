import { MeterReadError, safeRead, type MeterReading, type PowerMeter } from '../power-meter.js';
import { finiteNumber, getJson } from './http-json.js';

export interface TasmotaOptions {
  readonly url: string;
  readonly firstSocket: number;
  readonly timeoutMs?: number;
}

/**
 * Tasmota plug over HTTP: `GET /cm?cmnd=Status%208` →
 * StatusSNS.ENERGY {Total (kWh since TotalStartTime), Power (W), Voltage,
 * Current}. Multi-channel devices give Power as an array; Total is then the
 * device's sum, so only single-channel plugs are one socket each here.
 */
export class TasmotaMeter implements PowerMeter {
  readonly chip = 'tasmota';
  constructor(private readonly opts: TasmotaOptions) {}

  read(): Promise<MeterReading> {
    return safeRead(this.chip, async () => {
      const base = this.opts.url.replace(/\/$/, '');
      const body = (await getJson(this.chip, `${base}/cm?cmnd=Status%208`, this.opts.timeoutMs ?? 2000)) as {
        StatusSNS?: { ENERGY?: { Total?: unknown; Power?: unknown; Voltage?: unknown; Current?: unknown } };
      } | null;
      const e = body?.StatusSNS?.ENERGY;
      if (!e) throw new MeterReadError(this.chip, 'garbage', 'no StatusSNS.ENERGY in the answer');
      const power = Array.isArray(e.Power)
        ? (e.Power as unknown[]).reduce<number>((a, p) => a + finiteNumber(this.chip, p, 'Power'), 0)
        : finiteNumber(this.chip, e.Power, 'Power');
      const kwh = finiteNumber(this.chip, e.Total, 'Total');
      return [
        {
          socket: this.opts.firstSocket,
          watts: Math.max(0, power),
          energyJoules: kwh * 3_600_000,
          ...(typeof e.Voltage === 'number' ? { volts: e.Voltage } : {}),
          ...(typeof e.Current === 'number' ? { amps: e.Current } : {}),
        },
      ];
    });
  }
}
