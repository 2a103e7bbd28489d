/*
 * What stuck a publisher in the cluster fault test (not in CI; about 5
 * minutes): 30 publishers publish back to back — no collectors, the shard
 * queues are purged every 5 s instead — while the node leading the most
 * shard queues is SIGKILLed, CYCLES times (restarted after each). 25 s
 * after each kill it prints every publisher that has not confirmed one
 * more batch since, with its outcomes (a publish waiting > 20 s for its
 * confirm is listed under `stuck`). Before the publisher gave up a channel
 * after a nack, 2 to 13 publishers per cycle showed ~450 nacks and no
 * confirm; since, none (minProgress 866-981 batches). CONFIRM_TIMEOUT_MS
 * defaults to ~23 days, i.e. none.
 *   flock /tmp/machine.lock node --conditions=source --import tsx test/e2e/broker-cluster.repro.ts
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import amqp from 'amqplib';
import { assertTopology } from '@energy/collector/amqp/topology';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { freePort, startRabbitMQCluster } from '@energy/lib/services/index';
import { AmqpPublisher } from '@energy/exporters/publisher';
import { createExporterMetrics } from '@energy/exporters/metrics';

const PUBLISHERS = Number(process.env.PUBLISHERS ?? 30);
const CYCLES = Number(process.env.CYCLES ?? 3);
const CONFIRM_TIMEOUT_MS = Number(process.env.CONFIRM_TIMEOUT_MS ?? 2_000_000_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const baseDir = mkdtempSync('/tmp/energy-repro-cluster-');
chmodSync(baseDir, 0o711);
const ports = [];
for (let i = 0; i < 3; i++)
  ports.push({
    amqp: await freePort(),
    dist: await freePort(),
    management: await freePort(),
    prometheus: await freePort(),
  });
const cluster = await startRabbitMQCluster({ baseDir, namePrefix: `energy-repro-${process.pid}-c`, ports });
const publishers: AmqpPublisher[] = [];
let publishing = true;
try {
  const conn = await amqp.connect(cluster.amqpUrls()[0] ?? '');
  const ch = await conn.createChannel();
  await assertTopology(ch, { queue: 'energy.readings.q', shards: 3, deliveryLimit: 20, quorumReplicas: 3 });
  await conn.close();
  const user = cluster.admin.username;
  interface PublisherState {
    since: number;
    confirmed: number;
    lost: number;
    outcomes: Record<string, number>;
  }
  const state = Array.from({ length: PUBLISHERS }, (): PublisherState => ({
    since: 0,
    confirmed: 0,
    lost: 0,
    outcomes: {},
  }));
  const loops = state.map(async (st, i) => {
    const p = new AmqpPublisher({
      url: cluster.amqpUrls(),
      urlStart: i % 3,
      exchange: READINGS_EXCHANGE,
      log: createLogger('repro', 'silent'),
      metrics: createExporterMetrics(),
      name: `p${i}`,
      backoffInitialMs: 100,
      backoffMaxMs: 1000,
      confirmTimeoutMs: CONFIRM_TIMEOUT_MS,
    });
    publishers.push(p);
    p.start();
    for (let seq = 1; publishing; seq++) {
      const out = {
        routingKey: `dev${i}`,
        userId: user,
        messageId: `p${i}-${seq}`,
        timestampS: seq,
        body: new Uint8Array(200),
      };
      for (;;) {
        st.since = Date.now();
        const o = await p.publish(out, 2000);
        st.since = 0;
        if (o === 'confirmed') break;
        if (o === 'connection-lost') st.lost++;
        st.outcomes[o] = (st.outcomes[o] ?? 0) + 1;
        if (!publishing) return;
        await sleep(50);
      }
      st.confirmed = seq;
      await sleep(20);
    }
  });
  // No collectors here: the shard queues are emptied every 5 s so the brokers' memory stays low.
  const purging = setInterval(() => {
    for (let i = 0; i < 3; i++) {
      try {
        const n = cluster.node(i);
        for (let q = 0; q < 3; q++)
          void fetch(`${n.managementUrl}/api/queues/%2F/energy.readings.q.${q}/contents`, {
            method: 'DELETE',
            headers: { authorization: auth },
          }).catch(() => undefined);
        return;
      } catch {
        // that node is down: the next one
      }
    }
  }, 5000);
  const auth = `Basic ${Buffer.from(`${cluster.admin.username}:${cluster.admin.password}`).toString('base64')}`;
  for (let c = 1; c <= CYCLES; c++) {
    await sleep(5000);
    const up =
      [0, 1, 2].find((i) => {
        try {
          cluster.node(i);
          return true;
        } catch {
          return false;
        }
      }) ?? 0;
    const qs = (await (
      await fetch(`${cluster.node(up).managementUrl}/api/queues/%2F?columns=name,leader`, {
        headers: { authorization: auth },
      })
    ).json()) as { leader: string }[];
    const led = cluster.nodeNames.map((n) => qs.filter((q) => q.leader === n).length);
    const victim = led.indexOf(Math.max(...led));
    const before = state.map((s) => s.confirmed);
    for (const s of state) s.outcomes = {};
    cluster.kill(victim);
    await sleep(25_000);
    const now = Date.now();
    const stuck = state
      .map((s, i) => ({
        i,
        waitingMs: s.since ? now - s.since : 0,
        connected: publishers[i]?.connected,
        confirmed: s.confirmed,
        atKill: before[i],
      }))
      .filter((s) => s.waitingMs > 20_000);
    console.log(
      JSON.stringify({
        cycle: c,
        victim: cluster.nodeNames[victim],
        stuck,
        minProgress: Math.min(...state.map((s, i) => s.confirmed - (before[i] ?? 0))),
        noProgress: state
          .map((s, i) => ({
            i,
            connected: publishers[i]?.connected,
            outcomes: s.outcomes,
            waitingMs: s.since ? now - s.since : 0,
          }))
          .filter((s) => state[s.i]!.confirmed === before[s.i]),
      }),
    );
    await cluster.restart(victim);
  }
  clearInterval(purging);
  publishing = false;
  await Promise.race([Promise.all(loops), sleep(5000)]);
} finally {
  await Promise.all(publishers.map((p) => p.close()));
  await cluster.stop();
  rmSync(baseDir, { recursive: true, force: true });
}
process.exit(0);
