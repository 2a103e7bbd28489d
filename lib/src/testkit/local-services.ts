import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  startRabbitMQ,
  startVictoriaMetrics,
  type RabbitMQHandle,
  type VictoriaMetricsHandle,
} from '../services/index.js';
import { ensureLocalCa, ensureServerCert, type LocalCa } from '../services/tls-ca.js';

/** A broker of a test's own on free ports under a fresh temp folder (fault tests that kill it). */
export interface PrivateRabbitMQ extends RabbitMQHandle {
  /** The shared secret of the HTTP auth backend; a test serves it on authBackendPort. */
  readonly authBackendSecret: string;
  readonly authBackendPort: number;
  readonly baseDir: string;
  /** The throwaway CA that signed the AMQPS listener's certificate (`tls: true`). */
  readonly ca?: LocalCa;
  /** Stops the broker and removes its folder. */
  dispose(): Promise<void>;
}

/** Temp folders under /tmp: the broker's user must traverse every parent. */
function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir() === '/tmp' ? '/tmp' : tmpdir(), prefix));
}

export async function startPrivateRabbitMQ(
  opts: { withAuthBackend?: boolean; tls?: boolean; plainListener?: boolean } = {},
): Promise<PrivateRabbitMQ> {
  const baseDir = tempDir('energy-test-rabbitmq-');
  const ca = opts.tls ? await ensureLocalCa(join(baseDir, 'ca')) : undefined;
  const server = ca ? await ensureServerCert(ca, 'broker') : undefined;
  const authBackendPort = await freePort();
  const authBackendSecret = randomBytes(12).toString('hex');
  const r = await startRabbitMQ({
    baseDir,
    nodeName: `energy-test-${process.pid}-${randomBytes(3).toString('hex')}@localhost`,
    amqpPort: await freePort(),
    distPort: await freePort(),
    managementPort: await freePort(),
    prometheusPort: await freePort(),
    ...(ca && server ? { tls: { port: await freePort(), caFile: ca.caCertFile, ...server } } : {}),
    ...(opts.plainListener === undefined ? {} : { plainListener: opts.plainListener }),
    ...(opts.withAuthBackend === false
      ? {}
      : { authHttpBaseUrl: `http://127.0.0.1:${authBackendPort}`, authHttpKey: authBackendSecret }),
  });
  return {
    ...r,
    authBackendPort,
    authBackendSecret,
    baseDir,
    ...(ca ? { ca } : {}),
    async dispose() {
      await r.stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

export interface PrivateVictoriaMetrics extends VictoriaMetricsHandle {
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export async function startPrivateVictoriaMetrics(): Promise<PrivateVictoriaMetrics> {
  const dir = tempDir('energy-test-vm-');
  const vm = await startVictoriaMetrics({
    port: await freePort(),
    dataDir: join(dir, 'data'),
    logFile: join(dir, 'victoria-metrics.log'),
  });
  return {
    ...vm,
    dataDir: join(dir, 'data'),
    async dispose() {
      await vm.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
