/**
 * The benchmark's fleet: one process publishing real ReadingBatches for many
 * devices through one gateway principal, with publisher confirms, as fast as
 * the broker confirms them. Batches are encoded before the clock starts (the
 * fleet's CPU is not the platform's). Reports on stdout as JSON lines.
 *
 * Env: AMQP_URL, BENCH_GATEWAY, BENCH_DEVICES, BENCH_MINUTES, BENCH_START_S, BENCH_WINDOW, BENCH_RATE.
 */
import { connect } from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { encodeReadingBatch } from '@energy/lib/reading-batch';
import { benchHousehold, fleetMinutes } from './fleet-batches.js';

const env = process.env;
const amqpUrl = env.AMQP_URL ?? '';
const gateway = env.BENCH_GATEWAY ?? 'gw-bench';
const devices = Number(env.BENCH_DEVICES ?? 100);
const minutes = Number(env.BENCH_MINUTES ?? 1440);
const startS = Number(env.BENCH_START_S ?? Math.floor(Date.now() / 1000 / 60) * 60 - minutes * 60);
const window = Number(env.BENCH_WINDOW ?? 2000);
/** Messages per second; 0 = as fast as the broker confirms. */
const rate = Number(env.BENCH_RATE ?? 0);

const keys = Array.from({ length: devices }, (_, d) => `${benchHousehold(d)}.pi`);
const bodies: Buffer[] = [];
for (const batch of fleetMinutes(devices, minutes, startS))
  bodies.push(Buffer.from(encodeReadingBatch(batch)));

/** This process's CPU time since the go signal. */
function cpuMs(): number {
  const u = process.cpuUsage(cpu0);
  return (u.user + u.system) / 1000;
}

const conn = await connect(amqpUrl);
const ch = await conn.createConfirmChannel();
const meanBodyBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
process.stdout.write(`${JSON.stringify({ event: 'ready', messages: bodies.length, meanBodyBytes })}\n`);
// Wait for the go signal so that set-up time is not measured.
await new Promise<void>((r) => process.stdin.once('data', () => r()));
const t0 = Date.now();
const cpu0 = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ event: 'start', t: t0 })}\n`);
let outstanding = 0;
let confirmed = 0;
let nacked = 0;
let wake: (() => void) | undefined;
for (let i = 0; i < bodies.length; i++) {
  while (outstanding >= window) await new Promise<void>((r) => (wake = r));
  if (rate > 0) {
    const ahead = t0 + (i / rate) * 1000 - Date.now();
    if (ahead > 5) await new Promise((r) => setTimeout(r, ahead));
  }
  outstanding++;
  const d = i % devices;
  const k = Math.floor(i / devices);
  ch.publish(
    READINGS_EXCHANGE,
    keys[d] as string,
    bodies[i] as Buffer,
    {
      persistent: true,
      contentType: 'application/x-protobuf',
      type: 'energy.v1.ReadingBatch',
      messageId: `${(d + 1).toString(16)}-${k}`,
      // Bench only: milliseconds, so that the collector side can measure publish-to-written lag.
      timestamp: Date.now(),
      userId: gateway,
    },
    (err) => {
      outstanding--;
      if (err) nacked++;
      else confirmed++;
      const w = wake;
      wake = undefined;
      w?.();
    },
  );
}
await ch.waitForConfirms();
process.stdout.write(
  `${JSON.stringify({ event: 'done', t: Date.now(), confirmed, nacked, ms: Date.now() - t0, cpuMs: cpuMs() })}\n`,
);
await conn.close();
// stdin was read from and stays referenced: leave explicitly.
process.exit(0);
