/**
 * The devices' minutes as they end, written from a process of its own: the
 * simulation and encoding of a whole fleet's minute is a few hundred
 * milliseconds of synchronous work, which in the bench's own event loop
 * would stall every request in flight and be measured as the API's latency.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FleetData, type BenchHousehold } from './fleet-data.js';

interface LiveWriterData {
  readonly households: readonly BenchHousehold[];
  readonly sockets: number;
  readonly stateFile: string;
  readonly shape: string;
  readonly vmUrl: string;
}
type LiveWriterMessage = { readonly stopped: true } | { readonly error: string };
type ParentMessage = { readonly start: LiveWriterData } | { readonly stop: true };

const nowMinute = (): number => Math.floor(Date.now() / 60_000);

/** Starts the writer on a fleet already loaded and saved in `stateFile`; the function returned stops it. */
export function startLiveWriter(d: LiveWriterData, log: (line: string) => void): () => Promise<void> {
  // The bench's own node options (tsx, the source condition) carry over.
  const child = fork(fileURLToPath(import.meta.url), ['--live-writer'], { stdio: 'inherit' });
  const households = d.households.map(({ id, timeZone, device }) => ({ id, timeZone, device }));
  child.send({ start: { ...d, households } } satisfies ParentMessage);
  let stopped: () => void = () => {};
  child.on('message', (m: LiveWriterMessage) => {
    if ('error' in m) log(`live write: ${m.error}`);
    else stopped();
  });
  child.on('exit', () => stopped());
  return async () => {
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      stopped = resolve;
      child.send({ stop: true } satisfies ParentMessage);
    });
    child.kill();
  };
}

if (process.argv.includes('--live-writer')) {
  const send = (m: LiveWriterMessage): void => void process.send?.(m);
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<unknown> = Promise.resolve();
  process.on('message', (m: ParentMessage) => {
    if ('stop' in m) {
      clearInterval(timer);
      void busy.then(() => send({ stopped: true }));
      return;
    }
    const d = m.start;
    const { fleet } = FleetData.open(d.households, d.sockets, d.stateFile, d.shape);
    timer = setInterval(() => {
      if (fleet.lastMinute >= nowMinute() - 1) return;
      busy = busy
        .then(async () => {
          const t0 = performance.now();
          const samples = await fleet.writeUpTo(d.vmUrl, nowMinute() - 1, 0);
          const ms = Math.round(performance.now() - t0);
          if (samples > 0)
            process.stderr.write(`  live writer: ${samples.toLocaleString('en')} samples in ${ms} ms\n`);
        })
        .catch((e: unknown) => send({ error: String(e) }));
    }, 1000);
  });
  // The bench gone, so is this.
  process.on('disconnect', () => process.exit(0));
}
