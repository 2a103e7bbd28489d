/**
 * The real stack for the energy check: the run's RabbitMQ and VictoriaMetrics
 * (lib/src/testkit), the API and the collector as supervised processes, the
 * way test/e2e/walking-skeleton.test.ts starts them. The collector can be
 * SIGKILLed and started again (the "collector killed mid-batch" event).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type SupervisedProcess } from '@energy/lib/services/index';
import {
  createVhost,
  freePort,
  testRabbitMQ,
  testVictoriaMetrics,
  type TestVhost,
} from '@energy/lib/testkit/index';

const root = new URL('../../', import.meta.url).pathname;
const tsxNode = ['--conditions=source', '--import', 'tsx'];

export interface EnergyStack {
  readonly apiUrl: string;
  readonly vmUrl: string;
  readonly vhost: TestVhost;
  /** SIGKILL the collector (unacknowledged batches go back to the queue). */
  killCollector(): Promise<void>;
  startCollector(): Promise<void>;
  flushVm(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEnergyStack(): Promise<EnergyStack> {
  const rabbit = await testRabbitMQ();
  const vm = await testVictoriaMetrics();
  if (!rabbit.authBackend) throw new Error('the test broker must have its HTTP auth backend configured');
  const auth = rabbit.authBackend;
  const vhost = await createVhost('energy');
  const logDir = mkdtempSync(join(tmpdir(), 'verify-energy-logs-'));
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = await startProcess({
    name: 'api',
    command: process.execPath,
    args: [...tsxNode, join(root, 'api/src/main.ts')],
    cwd: root,
    env: {
      ...process.env,
      API_PORT: String(apiPort),
      BROKER_AUTH_PORT: String(auth.port),
      BROKER_AUTH_SECRET: auth.secret,
      VM_URL: vm.url,
      STATE_DIR: mkdtempSync(join(tmpdir(), 'verify-energy-api-')),
      // Closed days written back within a second (event 8, the board's daily kWh and cost).
      DAILY_WRITEBACK_MS: '1000',
      LOG_LEVEL: 'warn',
    },
    logFile: join(logDir, 'api.log'),
    health: { url: `${apiUrl}/readyz` },
  });
  let collector: SupervisedProcess | undefined;
  let starts = 0;
  const startCollector = async (): Promise<void> => {
    const metricsPort = await freePort();
    collector = await startProcess({
      name: `collector-${++starts}`,
      command: process.execPath,
      args: [...tsxNode, join(root, 'collector/src/main.ts')],
      cwd: root,
      env: {
        ...process.env,
        AMQP_URL: vhost.amqpUrl(),
        VM_URL: vm.url,
        COLLECTOR_METRICS_PORT: String(metricsPort),
        INTERNAL_API_URL: auth.url,
        BROKER_AUTH_SECRET: auth.secret,
        COLLECTOR_FLUSH_MS: '100',
        // Daylight-saving days of March are eight months back: history, not bad input.
        COLLECTOR_MAX_AGE_DAYS: '400',
        LOG_LEVEL: 'warn',
      },
      logFile: join(logDir, `collector-${starts}.log`),
      health: { url: `http://127.0.0.1:${metricsPort}/readyz` },
    });
  };
  await startCollector();
  return {
    apiUrl,
    vmUrl: vm.url,
    vhost,
    startCollector,
    async killCollector() {
      collector?.kill('SIGKILL');
      await collector?.stop(); // reaps the killed group
      collector = undefined;
    },
    async flushVm() {
      await vm.forceFlush();
    },
    async stop() {
      await collector?.stop();
      await api.stop();
      await vhost.delete();
    },
  };
}
