import type { ClockSource } from './clock-source.js';

/**
 * When the exporter believes its wall clock (EXPORTER_CLOCK_CHECK):
 * `wait` — only after timesyncd says so or the clock was seen being set;
 * `auto` — like wait where timesyncd runs, otherwise at once (a machine
 * without it has nothing to wait for); `trust` — at once. In every mode a
 * wall clock before the floor (the last interval this exporter persisted,
 * or the release floor) is wrong.
 */
export type ClockCheckMode = 'auto' | 'wait' | 'trust';
export const CLOCK_CHECK_MODES: readonly ClockCheckMode[] = ['auto', 'wait', 'trust'];

/** No genuine reading is older than this release (2026-01-01T00:00:00Z). */
export const RELEASE_FLOOR_S = 1_767_225_600;
/** A change of wall minus monotonic beyond this is the clock being set, not drift. */
export const CLOCK_JUMP_S = 60;

export interface ClockSanityOptions {
  readonly mode: ClockCheckMode;
  readonly floorS?: number;
  readonly jumpS?: number;
}

/**
 * Decides whether wall-clock time is known, from a ClockSource polled once
 * per sample; once known it stays known. Stamps monotonic instants with the
 * wall time they had (minutes closed before the clock was known).
 */
export class ClockSanity {
  private known = false;
  private lastOffset: number | undefined;
  private readonly floorS: number;
  private readonly jumpS: number;

  constructor(
    private readonly source: ClockSource,
    private readonly opts: ClockSanityOptions,
  ) {
    this.floorS = Math.max(RELEASE_FLOOR_S, opts.floorS ?? 0);
    this.jumpS = opts.jumpS ?? CLOCK_JUMP_S;
  }

  /** Whether the wall clock can stamp readings now. */
  check(): boolean {
    if (this.known) return true;
    const wall = this.source.wallS();
    const offset = wall - this.source.monoS();
    const jumped = this.lastOffset !== undefined && Math.abs(offset - this.lastOffset) > this.jumpS;
    this.lastOffset = offset;
    const synced = this.source.synchronised();
    const believed =
      this.opts.mode === 'trust' ||
      synced === true ||
      jumped ||
      (this.opts.mode === 'auto' && synced === undefined);
    this.known = believed && wall >= this.floorS;
    return this.known;
  }

  /** The monotonic instant a wall time has, with the clock as it is now (what unstamped minutes are kept on). */
  monoAt(wallS: number): number {
    return wallS - (this.source.wallS() - this.source.monoS());
  }

  /** The wall time a monotonic instant had, with the clock as it is now. */
  wallAt(monoS: number): number {
    return monoS + (this.source.wallS() - this.source.monoS());
  }
}
