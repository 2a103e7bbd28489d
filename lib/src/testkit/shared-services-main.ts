/**
 * Started by lib/scripts/run-tests.mjs before `node --test`: one broker and
 * one VictoriaMetrics for the whole run. Prints one JSON line with the
 * ENERGY_TEST_* variables, then stops both when its stdin closes (the runner
 * ended, however it ended) or on SIGINT/SIGTERM.
 */
import { TEST_ENV } from './env.js';
import { startPrivateRabbitMQ, startPrivateVictoriaMetrics } from './local-services.js';

const [rabbit, vm] = await Promise.all([startPrivateRabbitMQ(), startPrivateVictoriaMetrics()]);
const env: Record<string, string> = {
  [TEST_ENV.amqpUrl]: rabbit.amqpUrl(),
  [TEST_ENV.managementUrl]: rabbit.managementUrl,
  [TEST_ENV.admin]: `${rabbit.admin.username}:${rabbit.admin.password}`,
  [TEST_ENV.nodeName]: rabbit.nodeName,
  [TEST_ENV.authBackendUrl]: `http://127.0.0.1:${rabbit.authBackendPort}`,
  [TEST_ENV.authBackendSecret]: rabbit.authBackendSecret,
  [TEST_ENV.vmUrl]: vm.url,
};
process.stdout.write(`${JSON.stringify(env)}\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([rabbit.dispose(), vm.dispose()]);
  process.exit(0);
}
process.stdin.on('end', () => void shutdown());
process.stdin.on('error', () => void shutdown());
process.stdin.resume();
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
