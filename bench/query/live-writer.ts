/**
 * The devices' minutes as they end, written from a thread of its own: the
 * simulation and encoding of a whole fleet's minute is a few hundred
 * milliseconds of synchronous work, which in the bench's own event loop
 * would stall every request in flight and be measured as the API's latency.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FleetData, type BenchHousehold } from './fleet-data.js';

interface LiveWriterData {
  readonly households: readonly BenchHousehold[];
  readonly sockets: number;
  readonly stateFile: string;
  readonly shape: string;
  readonly vmUrl: string;
}
type LiveWriterMessage = { readonly stopped: true } | { readonly error: string };

const nowMinute = (): number => Math.floor(Date.now() / 60_000);

/** Starts the writer on a fleet already loaded and saved in `stateFile`; the function returned stops it. */
export function startLiveWriter(d: LiveWriterData, log: (line: string) => void): () => Promise<void> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      ...d,
      households: d.households.map(({ id, timeZone, device }) => ({ id, timeZone, device })),
    },
  });
  let stopped: () => void = () => {};
  worker.on('message', (m: LiveWriterMessage) => {
    if ('error' in m) log(`live write: ${m.error}`);
    else stopped();
  });
  worker.on('error', (e) => log(`live writer: ${String(e)}`));
  return async () => {
    await new Promise<void>((resolve) => {
      stopped = resolve;
      worker.postMessage('stop');
    });
    await worker.terminate();
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const d = workerData as LiveWriterData;
  const { fleet } = FleetData.open(d.households, d.sockets, d.stateFile, d.shape);
  let busy: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (fleet.lastMinute >= nowMinute() - 1) return;
    busy = busy
      .then(() => fleet.writeUpTo(d.vmUrl, nowMinute() - 1, 0))
      .catch((e: unknown) => port.postMessage({ error: String(e) } satisfies LiveWriterMessage));
  }, 1000);
  port.on('message', () => {
    clearInterval(timer);
    void busy.then(() => port.postMessage({ stopped: true } satisfies LiveWriterMessage));
  });
}
