/**
 * The readings domain's one view of the time-series store: what the live
 * view, the charts, the energy buckets and the standby table need, in
 * domain terms (a household, its sockets, instants in ms). No query
 * language here; VictoriaMetrics is one adapter of it (`vm/vm-series-reader.ts`),
 * a test can hold the series in memory (`in-memory-series.ts`).
 * Every read is scoped to the one household it names.
 */

/** One socket of a household, as its series are labelled. */
export interface SocketRef {
  readonly device: string;
  readonly socket: number;
}

export interface LatestPower extends SocketRef {
  readonly watts: number;
  /** When that reading was taken (ms); undefined when the store did not say. */
  readonly atMs: number | undefined;
}

export interface SocketValue extends SocketRef {
  readonly value: number;
}

/** [instant in ms, value] pairs of one socket. */
export interface SocketSamples extends SocketRef {
  readonly samples: readonly (readonly [number, number])[];
}

/** Grid points start, start + step, … ≤ end; all whole seconds, in ms. */
export interface StepGrid {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

export interface DeviceSeen {
  readonly device: string;
  readonly atMs: number;
}

/** A device's completeness watermark: every reading ending at or before `untilMs` is stored. */
export interface DeviceWatermark {
  readonly device: string;
  readonly untilMs: number;
}

export interface SeriesReader {
  /** The last power reading of every socket that reported in the `withinMs` before now. */
  latestPower(household: string, withinMs: number): Promise<LatestPower[]>;
  /** Mean power of every socket over the step that ends at each grid point. */
  meanPower(household: string, grid: StepGrid): Promise<SocketSamples[]>;
  /** Highest power of every socket over the step that ends at each grid point (a chart's peaks). */
  maxPower(household: string, grid: StepGrid): Promise<SocketSamples[]>;
  /**
   * The energy counter's increase in joules over the step that ends at each
   * grid point after `startMs` (the first step is [startMs, startMs + step]).
   * A socket may come back in more than one part when the store reads a long
   * range in pieces; the parts arrive in time order.
   */
  energyIncrease(household: string, grid: StepGrid): Promise<SocketSamples[]>;
  /** The q-quantile (0…1) of every socket's power over the `windowMs` before now. */
  powerQuantile(household: string, q: number, windowMs: number): Promise<SocketValue[]>;
  /** When each device last reported, looking back `withinMs`. */
  devicesLastSeen(household: string, withinMs: number): Promise<DeviceSeen[]>;
  /**
   * The highest completeness watermark each device stated in the `withinMs`
   * before now. Any watermark once stated stays true (stored readings are
   * not lost), so the highest is the device's.
   */
  completeUntil(household: string, withinMs: number): Promise<DeviceWatermark[]>;
}
