/**
 * `npm run stack`: the whole platform as native processes on this machine
 * (DESIGN.md ports), data kept in STATE_DIR across restarts. Ctrl-C or
 * SIGTERM stops, in reverse order, every process it started and nothing else.
 */
import { killAllSync } from '@energy/lib/services/index';
import { ConfigError } from '@energy/lib/config';
import { stackComponents, type StackContext } from './components.js';
import { findLeftovers, markChildren, stopLeftovers } from './leftovers.js';
import { Stack } from './stack.js';
import { CLI_USAGE, parseCli, type StackConfig, type CliOptions } from './stack-config.js';
import { loadSecrets, prepareStateDir } from './state-dir.js';
import { statusTable } from './status-table.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

let parsed: { config: StackConfig; cli: CliOptions };
try {
  parsed = parseCli(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(
    `${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n${CLI_USAGE}\n`,
  );
  process.exit(1);
}
const { config, cli } = parsed;
if (cli.help) {
  say(CLI_USAGE);
  process.exit(0);
}

const scan = findLeftovers(config.stateDir);
if (scan.liveLauncher !== undefined) {
  process.stderr.write(
    `stack: another launcher (pid ${scan.liveLauncher}) runs with STATE_DIR=${config.stateDir}; stop it first or choose another STATE_DIR\n`,
  );
  process.exit(1);
}
if (scan.leftovers.length > 0) {
  const launchers = [...new Set(scan.leftovers.map((l) => l.launcherPid))].join(', ');
  say(
    `stack: stopping ${scan.leftovers.length} processes that launcher ${launchers} left running (it did not stop cleanly):`,
  );
  for (const l of scan.leftovers) say(`  ${l.pid} ${l.command.slice(0, 100)}`);
  await stopLeftovers(scan.leftovers);
}
markChildren(config.stateDir);
prepareStateDir(config.stateDir);
const secrets = loadSecrets(config.stateDir, config.brokerAuthSecret);
const ctx: StackContext = {};
const stack = new Stack(stackComponents(config, secrets, ctx), {
  onStarting: (name) => say(`stack: starting ${name} ...`),
  onState: (s) => {
    if (s.status === 'failed' || s.status === 'skipped' || s.status === 'exited') {
      process.stderr.write(`stack: ${s.name} ${s.status}: ${s.reason}\n`);
    }
  },
});

let signals = 0;
async function shutdown(code: number): Promise<never> {
  say('stack: stopping ...');
  await stack.stop();
  say('stack: stopped');
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    signals += 1;
    // A second Ctrl-C does not wait for graceful stops.
    if (signals > 1) {
      killAllSync();
      process.exit(130);
    }
    void shutdown(0);
  });
}

say(`stack: state in ${config.stateDir}, logs in ${config.stateDir}/logs`);
await stack.start();
if (signals > 0) await new Promise(() => undefined); // shutdown() is running
say('');
say(statusTable(stack.list));
say('');
const api = stack.list.find((s) => s.name === 'api');
if (api?.status === 'running') {
  say(ctx.portalLine ?? `Portal: http://127.0.0.1:${config.apiPort}`);
}
if (stack.list.some((s) => s.name === 'mail-sink' && s.status === 'running')) {
  say(`Mails (alerts, invitations): http://127.0.0.1:${config.mailSinkHttpPort}/mails`);
}
if (stack.list.some((s) => s.name === 'alertmanager' && s.status === 'running')) {
  const sink = `http://127.0.0.1:${config.alertSinkPort}`;
  say(`Operator alerts: ${config.operatorsWebhookUrl ?? `${sink}/alerts`}`);
  say(`Dead man's switch: ${config.deadmanUrl ?? `${sink}/deadman`}`);
}
if (cli.check) await shutdown(stack.failed ? 1 : 0);
say('stack: running; Ctrl-C stops it');
