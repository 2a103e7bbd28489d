import { existsSync } from 'node:fs';
import type { Clock } from './clock.js';

/**
 * Where the exporter learns whether its wall clock can be believed. A Pi has
 * no real-time clock: after a power cut without network it boots wherever
 * fake-hwclock left it (days or a year behind) until NTP sets it.
 */
export interface ClockSource {
  /** Wall-clock Unix seconds, right or wrong. */
  wallS(this: void): number;
  /** Monotonic seconds from an arbitrary origin: never jumps when the wall clock is set. */
  monoS(this: void): number;
  /**
   * Whether the system says the wall clock is synchronised; undefined when
   * this machine cannot say (no systemd-timesyncd).
   */
  synchronised(this: void): boolean | undefined;
}

/** systemd-timesyncd creates this file once it has set the clock from NTP (and removes it at boot). */
export const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

/** The real adapter: Date.now, process.hrtime and timesyncd's flag file. */
export function systemClockSource(flag = TIMESYNC_FLAG): ClockSource {
  const dir = flag.slice(0, flag.lastIndexOf('/'));
  return {
    wallS: () => Date.now() / 1000,
    monoS: () => Number(process.hrtime.bigint()) / 1e9,
    synchronised: () => (existsSync(flag) ? true : existsSync(dir) ? false : undefined),
  };
}

/** A simulated Pi clock for tests: both the sampling loop's Clock and its ClockSource. */
export interface SimulatedClock extends Clock, ClockSource {
  /** Sets the wall clock to the true time (an NTP step) and, unless told otherwise, raises the sync flag. */
  jump(this: void, synchronised?: boolean): void;
  /** The true time, which the simulated meters read at. */
  trueS(this: void): number;
}

/**
 * True time starts at `startS` and runs `speed` times faster than real time;
 * the wall clock shows it shifted by `offsetS` (negative: behind) until
 * jump(). The monotonic clock counts true seconds since the start.
 */
export function simulatedClock(startS: number, speed: number, offsetS: number): SimulatedClock {
  const realStart = performance.now() / 1000;
  let offset = offsetS;
  let synced: boolean | undefined = false;
  const trueS = (): number => startS + (performance.now() / 1000 - realStart) * speed;
  const wallS = (): number => trueS() + offset;
  return {
    trueS,
    wallS,
    now: wallS,
    monoS: () => trueS() - startS,
    synchronised: () => synced,
    jump(s = true) {
      offset = 0;
      synced = s;
    },
    async sleepUntil(t) {
      // Polled, so a jump while asleep wakes the sleeper as it would on a Pi's timer (CLOCK_REALTIME).
      while (wallS() < t) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, ((t - wallS()) / speed) * 1000))));
      }
    },
  };
}
