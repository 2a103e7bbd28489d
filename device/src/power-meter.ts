/**
 * One small interface for everything that measures sockets: metering chips
 * on I2C, smart plugs over HTTP, the optical head of the house meter and the
 * simulator. The exporter samples it every few seconds.
 */
export interface SocketSample {
  readonly socket: number;
  /** Active power now (or the mean since the last read, for chips that only accumulate), watts. */
  readonly watts: number;
  /**
   * The meter's own energy counter, joules. It never decreases while the
   * meter runs (drivers unwrap their chip's accumulator width); it may go
   * back to a small value when the meter itself resets (power cycle, plug
   * reboot). The exporter folds both into its monotonic per-boot counter.
   */
  readonly energyJoules: number;
  readonly volts?: number;
  readonly amps?: number;
  /**
   * Set on the first reading after the driver found its chip without the
   * setup it gives it (the chip lost power): the chip's own count began anew,
   * so a counter persisted by a previous exporter run cannot be continued.
   */
  readonly countRestarted?: boolean;
}

/** Why a read failed; drivers use exactly these so the exporter can count by reason. */
export type MeterErrorReason = 'io' | 'timeout' | 'garbage' | 'checksum' | 'http-status' | 'not-ready';

export class MeterReadError extends Error {
  override name = 'MeterReadError';
  constructor(
    readonly chip: string,
    readonly reason: MeterErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${chip}: ${message}`, options);
  }
}

export type MeterReading =
  | { readonly ok: true; readonly samples: readonly SocketSample[] }
  | { readonly ok: false; readonly error: MeterReadError };

export interface PowerMeter {
  /** Kind of hardware ("ade7953", "shelly-gen2", "simulator"...), the label of read-error counters. */
  readonly chip: string;
  /** Never throws: a failed read is a value. */
  read(): Promise<MeterReading>;
  close?(): Promise<void>;
}

/** Wraps a driver's throwing read so every unexpected error becomes a typed one. */
export async function safeRead(
  chip: string,
  read: () => Promise<readonly SocketSample[]>,
): Promise<MeterReading> {
  try {
    return { ok: true, samples: await read() };
  } catch (err) {
    if (err instanceof MeterReadError) return { ok: false, error: err };
    return {
      ok: false,
      error: new MeterReadError(chip, 'io', err instanceof Error ? err.message : String(err), { cause: err }),
    };
  }
}
