/**
 * The real exporter daemon (exporters/src/main.ts) with its simulator meter
 * on a fast clock (a simulated minute per second, started in the past), as
 * exporters/test/daemon-helpers.ts runs it: logging in with the device's
 * broker credentials, its outbox in a folder that outlives each process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@energy/lib/testkit/index';

const root = new URL('../../', import.meta.url).pathname;

export interface DaemonOptions {
  readonly amqpUrl: string;
  readonly username: string;
  readonly password: string;
  readonly dir: string;
  readonly simClockStart: number;
  /** When the simulated chip powered on; absent: with this process (a chip that lost power counts from zero). */
  readonly powerOnS?: number;
  readonly sockets: number;
  readonly seed: number;
  readonly householdId: string;
}

export async function startDaemon(o: DaemonOptions): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'exporters/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      EXPORTER_CONFIG: '',
      AMQP_URL: o.amqpUrl,
      AMQP_USERNAME: o.username,
      AMQP_PASSWORD: o.password,
      OUTBOX_PATH: join(o.dir, 'outbox.sqlite'),
      EXPORTER_METRICS_PORT: String(port),
      SIM_CLOCK_START: String(o.simClockStart),
      SIM_CLOCK_SPEED: '60',
      SAMPLE_INTERVAL_S: '5',
      REPLAY_RATE: '500',
      LOG_LEVEL: 'warn',
      METERS: JSON.stringify([
        {
          type: 'simulator',
          sockets: o.sockets,
          seed: o.seed,
          householdId: o.householdId,
          powerOnS: o.powerOnS,
        },
      ]),
    },
  });
  child.stderr?.resume();
  return child;
}

export function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  return done;
}
