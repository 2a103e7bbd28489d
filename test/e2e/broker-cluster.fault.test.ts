/*
 * The 3-node RabbitMQ cluster under faults, with devices publishing all the
 * while: sharded quorum queues (three replicas, leaders balanced) behind the
 * consistent-hash exchange, one collector process per shard, every client
 * given all three addresses (AMQP_URLS). A node holding queue leaders is
 * SIGKILLed: the leaders move to the survivors, publishers and collectors go
 * on through the other nodes; the node is restarted and rejoins. Then one
 * shard's collector is SIGKILLed and restarted. Afterwards every reading
 * any device had confirmed is in VictoriaMetrics, exactly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import amqp from 'amqplib';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { assertTopology } from '@energy/collector/amqp/topology';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { freePort, startRabbitMQCluster, type RabbitMQClusterHandle } from '@energy/lib/services/index';
import { testVictoriaMetrics, uniqueName } from '@energy/lib/testkit/index';
import { body, expectedSamples, makeBatch, storedSamples, waitFor } from '@energy/collector/test-support';
import { AmqpPublisher } from '@energy/exporters/publisher';
import { createExporterMetrics } from '@energy/exporters/metrics';

const SHARDS = 3;
const DEVICES = 9;
const SOCKETS = 2;
const QUEUE = 'energy.readings.q';
const T0 = Math.floor(Date.now() / 60_000) * 60 - 2 * 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface QueueInfo {
  readonly name: string;
  readonly leader?: string;
  readonly members?: readonly string[];
}

async function shardQueues(c: RabbitMQClusterHandle, nodeIndex: number): Promise<QueueInfo[]> {
  const n = c.node(nodeIndex);
  const auth = Buffer.from(`${c.admin.username}:${c.admin.password}`).toString('base64');
  const res = await fetch(`${n.managementUrl}/api/queues/%2F?columns=name,leader,members`, {
    headers: { authorization: `Basic ${auth}` },
  });
  if (!res.ok) return [];
  return ((await res.json()) as QueueInfo[]).filter((q) => q.name.startsWith(`${QUEUE}.`));
}

/** The shard queues as the collectors declare them, declared while all three nodes are members. */
async function declareShards(c: RabbitMQClusterHandle): Promise<void> {
  const conn = await amqp.connect(c.amqpUrls()[0] ?? '');
  try {
    const ch = await conn.createChannel();
    await assertTopology(ch, { queue: QUEUE, shards: SHARDS, deliveryLimit: 20, quorumReplicas: 3 });
  } finally {
    await conn.close();
  }
}

/** A device login through the management API (rabbitmqctl takes seconds a call on a loaded machine). */
async function addDevice(c: RabbitMQClusterHandle, user: string): Promise<void> {
  const base = c.node(0).managementUrl;
  const headers = {
    authorization: `Basic ${Buffer.from(`${c.admin.username}:${c.admin.password}`).toString('base64')}`,
    'content-type': 'application/json',
  };
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'PUT', headers, body: JSON.stringify(body) });
    assert.ok(res.ok, `PUT ${path}: ${res.status} ${await res.text()}`);
  };
  await put(`/api/users/${encodeURIComponent(user)}`, { password: 'pw', tags: '' });
  await put(`/api/permissions/%2F/${encodeURIComponent(user)}`, {
    configure: '^$',
    write: `^${READINGS_EXCHANGE}$`,
    read: '^$',
  });
}

async function consumed(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^collector_messages_consumed_total (\S+)$/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

test('3-node cluster: a broker node and a shard collector SIGKILLed under load, every reading counted back', async (t) => {
  // Where the minutes go, in the TAP output (the cluster's starts dominate).
  const began = Date.now();
  const phase = (what: string) => t.diagnostic(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);
  const vm = await testVictoriaMetrics();
  const baseDir = mkdtempSync('/tmp/energy-test-cluster-');
  chmodSync(baseDir, 0o711); // the broker runs as user rabbitmq and must traverse it
  const ports = [];
  for (let i = 0; i < 3; i++) {
    ports.push({
      amqp: await freePort(),
      dist: await freePort(),
      management: await freePort(),
      prometheus: await freePort(),
    });
  }
  const collectors: ChildProcess[] = [];
  const publishers: AmqpPublisher[] = [];
  let started: RabbitMQClusterHandle | undefined;
  try {
    // The collectors start with the brokers (their start costs as much as the cluster's), but their
    // login exists only once the shard queues are declared with three members: until then they retry.
    const collectorPassword = randomBytes(9).toString('hex');
    const collectorUrls = ports.map((p) => `amqp://collector:${collectorPassword}@127.0.0.1:${p.amqp}/%2F`);

    const metricsPorts = await Promise.all(Array.from({ length: SHARDS }, () => freePort()));
    const startCollector = (shard: number): ChildProcess => {
      const child = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', 'collector/src/main.ts'],
        {
          env: {
            ...process.env,
            AMQP_URLS: collectorUrls.join(','),
            VM_URL: vm.url,
            COLLECTOR_SHARDS: String(SHARDS),
            COLLECTOR_CONSUME_QUEUES: `${QUEUE}.${shard}`,
            COLLECTOR_QUORUM_REPLICAS: '3',
            COLLECTOR_METRICS_PORT: String(metricsPorts[shard]),
            COLLECTOR_BATCH_MESSAGES: '50',
            COLLECTOR_FLUSH_MS: '200',
            // Refused logins until the topology is there: expected, not worth a line each.
            LOG_LEVEL: 'error',
          },
          stdio: 'inherit',
        },
      );
      collectors[shard] = child;
      return child;
    };
    const ready = (shard: number) =>
      waitFor(
        `collector ${shard} ready`,
        () =>
          fetch(`http://127.0.0.1:${metricsPorts[shard]}/readyz`).then(
            (r) => r.status,
            () => 0,
          ),
        (s) => s === 200,
        90_000,
      );
    for (let s = 0; s < SHARDS; s++) startCollector(s);
    const cluster = await startRabbitMQCluster({
      baseDir,
      namePrefix: `energy-test-${process.pid}-c`,
      ports,
    });
    started = cluster;
    phase('cluster up');
    await declareShards(cluster);
    await cluster.ctl(['add_user', 'collector', collectorPassword]);
    await cluster.ctl(['set_permissions', '-p', '/', 'collector', '.*', '.*', '.*']);
    for (let s = 0; s < SHARDS; s++) await ready(s);
    phase('collectors consuming');
    const hh = uniqueName('hh').replace(/[^A-Za-z0-9_-]/g, '');
    const devices = Array.from({ length: DEVICES }, (_, i) => `${hh}.d${i}`);
    // Internal users are cluster-wide: added once, known to every node.
    await Promise.all(devices.map((d) => addDevice(cluster, d)));

    // Three replicas each, and the leaders spread over the nodes (balanced).
    const before = await shardQueues(cluster, 0);
    assert.equal(before.length, SHARDS);
    for (const q of before) assert.equal(q.members?.length, 3, `${q.name} members ${q.members?.join(',')}`);
    assert.ok(
      new Set(before.map((q) => q.leader)).size >= 2,
      `leaders ${before.map((q) => q.leader).join(',')}`,
    );

    // The fleet: each device its own connection, all three addresses, starting on different nodes.
    const log = createLogger('cluster-fault', process.env.LOG_LEVEL === 'debug' ? 'info' : 'silent');
    const metrics = createExporterMetrics();
    const made: ReadingBatch[][] = devices.map(() => []);
    const confirmed = devices.map(() => 0);
    // What each device is doing now, for a failure's message: waiting in publish() since when, its last outcome.
    const doing = devices.map(() => ({ inPublishSince: 0, last: '', tries: 0 }));
    let publishing = true;
    const loops = devices.map(async (d, i) => {
      const p = new AmqpPublisher({
        url: cluster.amqpUrls('/', d, 'pw'),
        urlStart: i % 3,
        exchange: READINGS_EXCHANGE,
        log,
        metrics,
        name: d,
        backoffInitialMs: 100,
        backoffMaxMs: 2000,
        // Within the waits below: a node that stops answering, or a confirm the broker lost, costs seconds.
        connectTimeoutMs: 5000,
        confirmTimeoutMs: 10_000,
      });
      publishers.push(p);
      p.start();
      for (let seq = 1; publishing; seq++) {
        const b = makeBatch(seq, T0 + seq * 60, SOCKETS, i * 10_000);
        made[i]?.push(b);
        const out = {
          routingKey: d,
          userId: d,
          messageId: `${d}-${seq}`,
          timestampS: b.endUnixS,
          body: body(b),
        };
        // Like the outbox: the same batch again until the broker confirms it.
        const st = doing[i]!;
        for (;;) {
          st.inPublishSince = Date.now();
          st.tries++;
          st.last = await p.publish(out, 5000);
          st.inPublishSince = 0;
          if (st.last === 'confirmed') break;
          await sleep(100);
        }
        st.tries = 0;
        confirmed[i] = seq;
        await sleep(150);
      }
    });
    // Waits until every device confirmed batch n; a failure shows each device's last confirmed one.
    const allPast = (what: string, n: number) =>
      waitFor(
        what,
        () =>
          Promise.resolve(
            confirmed.map((c, i) => {
              const st = doing[i]!;
              const waiting = st.inPublishSince ? `, in publish ${Date.now() - st.inPublishSince} ms` : '';
              return `${c} (last ${st.last || '-'} x${st.tries}, connected ${publishers[i]?.connected}${waiting})`;
            }),
          ),
        () => Math.min(...confirmed) >= n,
        60_000,
      );
    await allPast('every device publishing', 5);

    // The node leading the most shards dies.
    const leaders = before.map((q) => q.leader);
    const victim = cluster.nodeNames
      .map((n, i) => ({ i, led: leaders.filter((l) => l === n).length }))
      .sort((a, b) => b.led - a.led)[0]!.i;
    const survivor = (victim + 1) % 3;
    const atKill = Math.min(...confirmed);
    phase('fleet publishing');
    cluster.kill(victim);
    await waitFor(
      'leaders moved off the killed node',
      () => shardQueues(cluster, survivor),
      (qs) =>
        qs.length === SHARDS &&
        qs.every((q) => q.leader !== undefined && q.leader !== cluster.nodeNames[victim]),
      60_000,
    );
    // Publishers go on through the surviving nodes while it is down, and the restart runs meanwhile.
    await allPast('every device publishing without the node', atKill + 5);
    phase('leaders moved, fleet publishing without the node');
    const restarted = cluster.restart(victim);

    // One shard's collector dies (the busiest one, so it held deliveries), and comes back.
    const counts = await Promise.all(metricsPorts.map((p) => consumed(p)));
    const shard = counts.indexOf(Math.max(...counts));
    const dying = collectors[shard]!;
    dying.kill('SIGKILL');
    await new Promise((r) => dying.once('exit', r));
    const atCollectorKill = Math.min(...confirmed);
    await allPast('publishing with a shard unconsumed', atCollectorKill + 3);
    startCollector(shard);
    await ready(shard);
    phase('collector back');
    await restarted;
    phase('node back');
    await allPast('publishing with the node back', Math.min(...confirmed) + 3);
    publishing = false;
    await Promise.all(loops);

    // Only what was made is expected: each device's every batch was confirmed before the next.
    const expected = new Map<string, number>();
    devices.forEach((d, i) => {
      for (const [k, v] of expectedSamples(d.split('.')[1]!, made[i]!)) expected.set(k, v);
    });
    await waitFor(
      'every reading in VictoriaMetrics',
      async () => {
        await vm.forceFlush();
        return (await storedSamples(vm.url, hh)).size;
      },
      (n) => n >= expected.size,
      90_000,
    );
    phase('every reading stored');
    assert.deepEqual(await storedSamples(vm.url, hh), expected);
    // The killed node is a member again.
    const after = await shardQueues(cluster, victim);
    for (const q of after)
      assert.ok(q.members?.includes(cluster.nodeNames[victim]!), `${q.name} ${q.members?.join(',')}`);
  } finally {
    await Promise.all(publishers.map((p) => p.close()));
    for (const c of collectors) c.kill('SIGTERM');
    await Promise.all(
      collectors
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map((c) => new Promise((r) => c.once('exit', r))),
    );
    await started?.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
});
