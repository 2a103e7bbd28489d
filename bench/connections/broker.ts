/**
 * The bench's broker: one RabbitMQ node (the launcher's starter) with the
 * HTTP auth backend, restartable with the same data, optionally with tuned
 * per-connection TCP buffers. The starter writes rabbitmq.conf itself, so the
 * tuning goes into an advanced.config named by RABBITMQ_ADVANCED_CONFIG_FILE
 * (the starter's child inherits the environment), and the file limit is
 * raised by a rabbitmq-env.conf of its own.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRabbitMQ, type RabbitMQHandle, type RabbitMQOptions } from '@energy/lib/services/index';

export interface BrokerTuning {
  /** Kernel socket buffers per connection, bytes (tcp_listen_options sndbuf/recbuf). */
  readonly tcpBufferBytes: number;
}

/**
 * The HTTP auth backend asks through Erlang's httpc default profile, which
 * keeps at most 2 connections to a host: every login's 5 checks queue behind
 * them, and a 10,000-device boot managed ~5 connections/s here (handshake
 * timeouts, then reconnects). More sessions let the checks overlap.
 */
export const HTTPC_MAX_SESSIONS = Number(process.env.BENCH_HTTPC_SESSIONS ?? 64);

export async function startBenchBroker(
  opts: RabbitMQOptions,
  tuning?: BrokerTuning,
): Promise<RabbitMQHandle> {
  mkdirSync(opts.baseDir, { recursive: true });
  const advanced = join(opts.baseDir, 'advanced.config');
  if (tuning) {
    // The whole list replaces the default one: keep the defaults beside the buffers.
    writeFileSync(
      advanced,
      `[{rabbit, [{tcp_listen_options, [binary, {packet, raw}, {reuseaddr, true}, {backlog, 4096}, {nodelay, true}, {linger, {true, 0}}, {exit_on_close, false}, {sndbuf, ${tuning.tcpBufferBytes}}, {recbuf, ${tuning.tcpBufferBytes}}]}]}].\n`,
    );
  } else writeFileSync(advanced, '[].\n');
  // `su rabbitmq` leaves the broker a soft limit of 1,024 files (the hard one here is 20,000):
  // rabbitmq-env sources this file in the broker's own shell, which may raise it to the hard limit.
  const envFile = join(opts.baseDir, 'rabbitmq-env.conf');
  writeFileSync(envFile, 'ulimit -n "$(ulimit -Hn)"\n');
  process.env.RABBITMQ_ADVANCED_CONFIG_FILE = advanced;
  process.env.RABBITMQ_CONF_ENV_FILE = envFile;
  try {
    const b = await startRabbitMQ(opts);
    if (HTTPC_MAX_SESSIONS > 2)
      await b.ctl([
        'eval',
        `httpc:set_options([{max_sessions, ${HTTPC_MAX_SESSIONS}}, {max_keep_alive_length, 1000}, {keep_alive_timeout, 120000}]).`,
      ]);
    return b;
  } finally {
    delete process.env.RABBITMQ_ADVANCED_CONFIG_FILE;
    delete process.env.RABBITMQ_CONF_ENV_FILE;
  }
}

export async function beamPid(b: RabbitMQHandle): Promise<number> {
  return Number((await b.ctl(['eval', 'list_to_integer(os:getpid()).'])).trim());
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function openFds(pid: number): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The management API's memory breakdown of the node (what `rabbitmq-diagnostics memory_breakdown` prints). */
export async function memoryBreakdown(b: RabbitMQHandle): Promise<Record<string, number>> {
  const auth = `Basic ${Buffer.from(`${b.admin.username}:${b.admin.password}`).toString('base64')}`;
  const res = await fetch(`${b.managementUrl}/api/nodes/${encodeURIComponent(b.nodeName)}/memory`, {
    headers: { authorization: auth },
  });
  if (!res.ok) throw new Error(`memory breakdown: HTTP ${res.status}`);
  const body = (await res.json()) as { memory: Record<string, number | Record<string, number>> };
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(body.memory)) {
    if (typeof v === 'number') out[k] = v;
    else for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
  }
  return out;
}

/** The four per-connection buckets of the breakdown, summed. */
export function connectionMemory(m: Record<string, number>): number {
  return (
    (m.connection_readers ?? 0) +
    (m.connection_writers ?? 0) +
    (m.connection_channels ?? 0) +
    (m.connection_other ?? 0)
  );
}
