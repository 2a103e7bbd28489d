import { EPOCH_ENERGY_LIMIT_J, type ReadingBatch, type SocketReading } from '@energy/lib/reading-batch';
import type { SocketSample } from '@energy/device/power-meter';
import { newBootId } from './boot-id.js';
import { EnergyFolder } from './energy-folder.js';
import type { ExporterState } from './exporter-state.js';

interface SocketState {
  readonly folder: EnergyFolder;
  powerSum: number;
  powerCount: number;
  /** Folded counter at the end of the previous interval: a new epoch starts there. */
  lastTickCounter: number;
  seenThisInterval: boolean;
}

/**
 * Turns samples into one ReadingBatch per interval: mean power of the
 * samples inside the interval, the folded energy counter at its end, a boot
 * id and a sequence number. Pure: the caller feeds samples and ticks.
 */
export class MinuteAggregator {
  private readonly sockets = new Map<number, SocketState>();
  bootId: number;
  seq = 0;
  epochs = 1;
  /** End of the last closed interval (0: none yet). */
  private lastEndUnixS = 0;
  /** A state restored after a restart, not yet checked against the meters' first reading. */
  private pending: ExporterState | undefined;

  constructor(
    readonly intervalS = 60,
    private readonly newId: () => number = newBootId,
    private readonly limitJ = EPOCH_ENERGY_LIMIT_J,
    restored?: ExporterState,
  ) {
    if (restored === undefined) {
      this.bootId = newId();
      return;
    }
    // Continue the epoch: same boot id, the next seq, every socket's counter where it was.
    this.bootId = restored.bootId;
    this.seq = restored.seq;
    this.lastEndUnixS = restored.endUnixS;
    this.pending = restored;
    for (const p of restored.sockets) {
      const s = this.state(p.socket);
      s.folder.restore(p.counter, p.raw);
      s.lastTickCounter = p.counter;
    }
  }

  /**
   * Checks the first reading after a restart against the restored state. The
   * epoch continues when every meter kept its count (each reading at or above
   * the persisted one, no driver saying its chip restarted) and the clock went
   * forward; otherwise the count really restarted (a chip that lost power, a
   * Pi reboot) and a new epoch begins
   * with every counter from zero. Returns whether the epoch continued.
   */
  resume(samples: readonly SocketSample[], nowS: number): boolean {
    const restored = this.pending;
    if (restored === undefined || samples.length === 0) return restored === undefined;
    this.pending = undefined;
    const persisted = new Map(restored.sockets.map((p) => [p.socket, p.raw]));
    const restarted = samples.some((x) => {
      if (x.countRestarted === true) return true;
      const raw = persisted.get(x.socket);
      return raw !== undefined && Number.isFinite(x.energyJoules) && x.energyJoules < raw;
    });
    if (!restarted && nowS > restored.endUnixS) return true;
    this.bootId = this.newId();
    this.seq = 0;
    this.epochs++;
    this.lastEndUnixS = 0;
    this.sockets.clear();
    return false;
  }

  /** A restored state still waits for the meters' first reading. */
  get resuming(): boolean {
    return this.pending !== undefined;
  }

  /** What a restart needs to continue (persist after each close). */
  snapshot(): ExporterState {
    const sockets = [...this.sockets.entries()]
      .filter(([, s]) => s.folder.raw !== undefined)
      .map(([socket, s]) => ({ socket, counter: s.lastTickCounter, raw: s.folder.raw ?? 0 }));
    return { bootId: this.bootId, seq: this.seq, endUnixS: this.lastEndUnixS, sockets };
  }

  private state(socket: number): SocketState {
    let s = this.sockets.get(socket);
    if (!s) {
      s = {
        folder: new EnergyFolder(),
        powerSum: 0,
        powerCount: 0,
        lastTickCounter: 0,
        seenThisInterval: false,
      };
      this.sockets.set(socket, s);
    }
    return s;
  }

  /** A sample taken inside the current interval (its power counts toward the mean). */
  addSample(sample: SocketSample): number {
    const s = this.state(sample.socket);
    const counter = s.folder.update(sample.energyJoules);
    if (Number.isFinite(sample.watts)) {
      s.powerSum += sample.watts;
      s.powerCount++;
    }
    s.seenThisInterval = true;
    return counter;
  }

  /** The counter reading taken at the interval's end (its power belongs to the next interval). */
  addBoundaryCounter(sample: SocketSample): void {
    const s = this.state(sample.socket);
    s.folder.update(sample.energyJoules);
    s.seenThisInterval = true;
  }

  /** Closes the interval ending at endUnixS; undefined when no socket gave a reading. */
  close(endUnixS: number): ReadingBatch | undefined {
    const present = [...this.sockets.entries()]
      .filter(([, s]) => s.seenThisInterval)
      .sort(([a], [b]) => a - b);
    if (present.some(([, s]) => s.folder.value >= this.limitJ)) {
      // Counters would outgrow the wire's varint budget: a new epoch begins at the previous interval's end,
      // so this batch already counts from there and no energy falls between the epochs.
      this.bootId = this.newId();
      this.seq = 0;
      this.epochs++;
      for (const s of this.sockets.values()) s.folder.rebase(Math.max(0, s.folder.value - s.lastTickCounter));
    }
    const readings: SocketReading[] = [];
    for (const [socket, s] of present) {
      const mean = s.powerCount > 0 ? s.powerSum / s.powerCount : 0;
      readings.push({ socket, powerWatts: Math.max(0, mean), energyJoules: Math.floor(s.folder.value) });
    }
    for (const s of this.sockets.values()) {
      s.lastTickCounter = s.folder.value;
      s.powerSum = 0;
      s.powerCount = 0;
      s.seenThisInterval = false;
    }
    if (readings.length === 0) return undefined;
    this.lastEndUnixS = endUnixS;
    this.seq++;
    return { bootId: this.bootId, seq: this.seq, endUnixS: endUnixS, intervalS: this.intervalS, readings };
  }

  counter(socket: number): number {
    return this.sockets.get(socket)?.folder.value ?? 0;
  }
}
