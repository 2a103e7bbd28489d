import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { decodeReadingBatch, type ReadingBatch } from '@energy/lib/reading-batch';
import type { GetMessage } from 'amqplib';

const root = new URL('../../', import.meta.url).pathname;

export interface DaemonEnv {
  readonly amqpUrl: string;
  readonly username: string;
  readonly password: string;
  readonly outboxPath: string;
  readonly metricsPort: number;
  readonly simClockStart: number;
  readonly sockets?: number;
  readonly seed?: number;
  /** The simulated chip's power-on (Unix s): it keeps its count across daemon restarts; absent: powers on with the daemon. */
  readonly powerOnS?: number;
  readonly extra?: Record<string, string>;
}

export function tempOutboxPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'energy-exporter-test-')), 'outbox.sqlite');
}

/** Starts the real daemon (main.ts through tsx) on a fast simulated clock: a minute per second. */
export function startDaemon(e: DaemonEnv): ChildProcess {
  const hh = e.username.split('.')[0] ?? 'h';
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'exporters/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      EXPORTER_CONFIG: '',
      AMQP_URL: e.amqpUrl,
      AMQP_USERNAME: e.username,
      AMQP_PASSWORD: e.password,
      OUTBOX_PATH: e.outboxPath,
      EXPORTER_METRICS_PORT: String(e.metricsPort),
      SIM_CLOCK_START: String(e.simClockStart),
      SIM_CLOCK_SPEED: '60',
      SAMPLE_INTERVAL_S: '5',
      REPLAY_RATE: '500',
      LOG_LEVEL: 'warn',
      METERS: JSON.stringify([
        {
          type: 'simulator',
          sockets: e.sockets ?? 4,
          seed: e.seed ?? 5,
          householdId: hh,
          ...(e.powerOnS !== undefined ? { powerOnS: e.powerOnS } : {}),
        },
      ]),
      ...e.extra,
    },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  child.stdout?.resume();
  child.on('exit', (code, sig) => {
    if (code !== 0 && code !== null && sig === null) process.stderr.write(`daemon exited ${code}: ${err}\n`);
  });
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export interface Received {
  readonly msg: GetMessage;
  readonly batch: ReadingBatch;
}

export function decodeAll(msgs: readonly GetMessage[]): Received[] {
  return msgs.map((msg) => ({ msg, batch: decodeReadingBatch(msg.content) }));
}

/** Internal broker user for a device: may write to the readings exchange only. */
export const DEVICE_PERMS = { configure: '^$', write: `^${READINGS_EXCHANGE}$`, read: '^$' } as const;

export async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Groups by boot id, each sorted by seq, deduplicated by messageId. */
export function byBoot(received: readonly Received[]): Map<number, ReadingBatch[]> {
  const seen = new Set<string>();
  const out = new Map<number, ReadingBatch[]>();
  for (const r of received) {
    const id = `${r.batch.bootId}-${r.batch.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const l = out.get(r.batch.bootId) ?? [];
    l.push(r.batch);
    out.set(r.batch.bootId, l);
  }
  for (const l of out.values()) l.sort((a, b) => a.seq - b.seq);
  return out;
}
