import type { MeterReading, PowerMeter } from '../power-meter.js';
import { HouseholdSimulator, type HouseholdOptions } from './household-simulator.js';

export interface SimulatedMeterOptions extends HouseholdOptions {
  readonly sockets: number;
  /** The instant the meter "powered on": its counters are the exact energy since then. */
  readonly epochStartS: number;
  /** Current time in Unix seconds (a fast test clock may be injected). */
  readonly now?: () => number;
  /** The chip powered on with this process (epochStartS is now): its first reading says its count restarted. */
  readonly poweredOnWithProcess?: boolean;
}

/**
 * The simulator behind the PowerMeter interface, for the daemon in demo
 * mode and in tests: counters are the exact integral since epochStartS.
 */
export class SimulatedMeter implements PowerMeter {
  readonly chip = 'simulator';
  readonly sim: HouseholdSimulator;
  private readonly now: () => number;
  /** Energy of whole minutes from epochStartS up to the start of `doneMinute`, per socket. */
  private readonly whole: Float64Array;
  private doneMinute: number;
  private readonly startS: number;
  private firstRead: boolean;

  constructor(private readonly opts: SimulatedMeterOptions) {
    this.sim = new HouseholdSimulator(opts);
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.startS = opts.epochStartS;
    this.firstRead = opts.poweredOnWithProcess === true;
    this.whole = new Float64Array(opts.sockets);
    this.doneMinute = Math.ceil(opts.epochStartS / 60);
    for (let s = 0; s < opts.sockets; s++) {
      this.whole[s] = this.sim.energyJoules(s, opts.epochStartS, this.doneMinute * 60);
    }
  }

  /** Counter value at `t` (exact, cached per whole minute so reads stay cheap). */
  counterAt(socket: number, t: number): number {
    if (t <= this.startS) return 0;
    const minute = Math.floor(t / 60);
    if (minute < this.doneMinute) return this.sim.energyJoules(socket, this.startS, t);
    return (this.whole[socket] ?? 0) + this.sim.energyJoules(socket, this.doneMinute * 60, t);
  }

  private advance(t: number): void {
    const minute = Math.floor(t / 60);
    while (this.doneMinute < minute) {
      for (let s = 0; s < this.opts.sockets; s++) {
        this.whole[s] = (this.whole[s] ?? 0) + this.sim.minuteEnergyJoules(s, this.doneMinute);
      }
      this.doneMinute++;
    }
  }

  read(): Promise<MeterReading> {
    const t = this.now();
    this.advance(t);
    const samples = [];
    for (let s = 0; s < this.opts.sockets; s++) {
      samples.push({
        socket: s,
        watts: this.sim.powerWatts(s, t),
        energyJoules: this.counterAt(s, t),
        volts: 230,
        ...(this.firstRead ? { countRestarted: true } : {}),
      });
    }
    this.firstRead = false;
    return Promise.resolve({ ok: true, samples });
  }
}
