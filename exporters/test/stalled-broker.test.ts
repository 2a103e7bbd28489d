/*
 * A broker that stops answering must not hold the publisher.
 *
 * An address that takes the TCP connection and then never finishes
 * the AMQP handshake must not hold the publisher: the attempt is torn down
 * after connectTimeoutMs and the next address is tried. Two such addresses
 * stand before the real broker: one silent (amqplib's socket timeout ends
 * it) and one that trickles a frame that never completes (the socket is
 * never idle, so only the publisher's own deadline ends it) — what a node
 * looks like that is booting, SIGSTOPped or too loaded to answer.
 *
 * A channel whose confirm never comes (RabbitMQ 3.10's quorum queue client
 * can lose an enqueue sent to a leader that dies, and then confirms nothing
 * more on that channel): a proxy stops passing the broker's bytes to the
 * publisher, so the connection stays up and silent; the publisher drops it
 * and publishes the batch again on a new one.
 *
 * A channel that nacks (RabbitMQ 3.10 nacks every publish, for good, on a
 * channel that registered with a quorum queue while its leader was dying):
 * the publisher gives up the connection after a nack, so the retry goes out
 * on a new channel.
 */
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import { createVhost, testRabbitMQ, uniqueName } from '@energy/lib/testkit/index';
import { createExporterMetrics } from '../src/metrics.js';
import { AmqpPublisher } from '../src/publisher.js';
import { DEVICE_PERMS, waitFor } from './daemon-helpers.js';
import { declareReadingsTopology, drainQueue } from './rabbit-helpers.js';

interface Stalling {
  readonly server: Server;
  readonly port: number;
  /** Every connection taken, and whether the client has since closed it. */
  readonly sockets: { closedByClient: boolean }[];
}

/** A listener that accepts and then, per connection, runs `stall` instead of speaking AMQP. */
async function stallingListener(stall: (s: Socket) => () => void): Promise<Stalling> {
  const sockets: { closedByClient: boolean }[] = [];
  const server = createServer((s) => {
    const seen = { closedByClient: false };
    sockets.push(seen);
    const stop = stall(s);
    // Reads (and drops) what the client sends: unread, its protocol header would hide the client's close.
    s.resume();
    s.on('error', () => undefined);
    s.on('close', () => {
      seen.closedByClient = true;
      stop();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  return { server, port: addr.port, sockets };
}

/** A vhost of its own with the readings topology and one device user (password devpass). */
async function deviceVhost(
  name: string,
): Promise<{ vhost: Awaited<ReturnType<typeof createVhost>>; user: string }> {
  await testRabbitMQ();
  const vhost = await createVhost(name);
  after(() => vhost.delete());
  await declareReadingsTopology(vhost.amqpUrl(), 'readback');
  const user = `${uniqueName('hh').replace(/[^A-Za-z0-9_-]/g, '')}.pi1`;
  await vhost.addUser(user, 'devpass', DEVICE_PERMS);
  return { vhost, user };
}

test(
  'addresses that accept and never finish the handshake are given up on; the next address gets the batch',
  { timeout: 90_000 },
  async () => {
    const { vhost, user } = await deviceVhost('connect-timeout');

    // Says nothing: the socket goes idle.
    const silent = await stallingListener(() => () => undefined);
    // A method frame header announcing 4,000 bytes, then one byte every 100 ms: never idle, never complete.
    const trickle = await stallingListener((s) => {
      s.write(Buffer.from([1, 0, 0, 0, 0, 0x0f, 0xa0]));
      const t = setInterval(() => s.write(Buffer.from([0])), 100);
      return () => clearInterval(t);
    });
    after(() => {
      silent.server.close();
      trickle.server.close();
    });

    const real = new URL(vhost.amqpUrl(user, 'devpass'));
    const at = (port: number) => {
      const u = new URL(real);
      u.port = String(port);
      return u.toString();
    };
    const publisher = new AmqpPublisher({
      url: [at(trickle.port), at(silent.port), real.toString()],
      urlStart: 0,
      exchange: READINGS_EXCHANGE,
      log: createLogger('connect-timeout-test', 'silent'),
      metrics: createExporterMetrics(),
      connectTimeoutMs: 800,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    publisher.start();
    after(() => publisher.close());

    // Without a deadline on the attempt the publisher would wait on the first address for good.
    const outcome = await publisher.publish(
      { routingKey: user, userId: user, messageId: `${user}-1`, timestampS: 1, body: new Uint8Array([8, 1]) },
      30_000,
    );
    assert.equal(outcome, 'confirmed');
    assert.equal(
      trickle.sockets.length >= 1 && silent.sockets.length >= 1,
      true,
      'both stalling addresses tried',
    );
    // The abandoned attempts were closed by the publisher, not left open.
    await waitFor(
      () => Promise.resolve([...trickle.sockets, ...silent.sockets].every((s) => s.closedByClient)),
      10_000,
      'abandoned connections closed',
    );
    const got = await drainQueue(vhost.amqpUrl(), 'readback');
    assert.deepEqual(
      got.map((m) => m.properties.messageId as string),
      [`${user}-1`],
    );
  },
);

/** A TCP proxy to the broker; mute() stops passing the broker's bytes on the connections open now. */
async function proxyTo(
  port: number,
): Promise<{ server: Server; port: number; mute(): void; connections(): number }> {
  const open = new Set<{ mute(): void }>();
  let count = 0;
  const server = createServer((client) => {
    count++;
    const broker = connect(port, '127.0.0.1');
    let muted = false;
    const link = { mute: () => (muted = true) };
    open.add(link);
    client.on('data', (d) => broker.write(d));
    broker.on('data', (d) => {
      if (!muted) client.write(d);
    });
    const end = () => {
      open.delete(link);
      client.destroy();
      broker.destroy();
    };
    client.on('close', end);
    broker.on('close', end);
    client.on('error', () => undefined);
    broker.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  return {
    server,
    port: addr.port,
    mute: () => open.forEach((l) => l.mute()),
    connections: () => count,
  };
}

test(
  'a publish whose confirm never comes drops the connection; the batch goes out again on a new one',
  { timeout: 90_000 },
  async () => {
    const { vhost, user } = await deviceVhost('confirm-timeout');
    const real = new URL(vhost.amqpUrl(user, 'devpass'));
    const proxy = await proxyTo(Number(real.port));
    after(() => proxy.server.close());
    real.port = String(proxy.port);

    const metrics = createExporterMetrics();
    const publisher = new AmqpPublisher({
      url: real.toString(),
      exchange: READINGS_EXCHANGE,
      log: createLogger('confirm-timeout-test', 'silent'),
      metrics,
      confirmTimeoutMs: 1000,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    publisher.start();
    after(() => publisher.close());
    const batch = (n: number) => ({
      routingKey: user,
      userId: user,
      messageId: `${user}-${n}`,
      timestampS: n,
      body: new Uint8Array([8, n]),
    });
    assert.equal(await publisher.publish(batch(1), 30_000), 'confirmed');

    // The broker gets the batch, but its confirm never reaches the publisher on this connection.
    proxy.mute();
    assert.equal(await publisher.publish(batch(2), 30_000), 'connection-lost');
    // Like the outbox: the same batch again, on the connection the publisher opens next.
    assert.equal(await publisher.publish(batch(2), 30_000), 'confirmed');
    assert.equal(proxy.connections(), 2);
    const lost = (await metrics.nacks.get()).values.find((v) => v.labels.reason === 'connection-lost');
    assert.equal(lost?.value, 1);
    // At least once: the unconfirmed copy may be stored too; nothing is missing.
    const ids = (await drainQueue(vhost.amqpUrl(), 'readback')).map((m) => m.properties.messageId as string);
    assert.deepEqual([...new Set(ids)].sort(), [`${user}-1`, `${user}-2`]);
  },
);

test(
  'a nacked publish costs the channel: the retry goes out on a new connection',
  { timeout: 90_000 },
  async () => {
    await testRabbitMQ();
    const vhost = await createVhost('nack-reconnect');
    after(() => vhost.delete());
    await declareReadingsTopology(vhost.amqpUrl(), 'readback');
    // A queue that refuses everything (reject-publish at length 0): every publish routed to it is nacked.
    const admin = await amqp.connect(vhost.amqpUrl());
    after(() => admin.close().catch(() => undefined));
    const ch = await admin.createChannel();
    await ch.assertQueue('full', {
      durable: true,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await ch.bindQueue('full', READINGS_EXCHANGE, '#');
    const user = `${uniqueName('hh').replace(/[^A-Za-z0-9_-]/g, '')}.pi1`;
    await vhost.addUser(user, 'devpass', DEVICE_PERMS);
    const real = new URL(vhost.amqpUrl(user, 'devpass'));
    const proxy = await proxyTo(Number(real.port));
    after(() => proxy.server.close());
    real.port = String(proxy.port);

    const publisher = new AmqpPublisher({
      url: real.toString(),
      exchange: READINGS_EXCHANGE,
      log: createLogger('nack-test', 'silent'),
      metrics: createExporterMetrics(),
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    publisher.start();
    after(() => publisher.close());
    const batch = {
      routingKey: user,
      userId: user,
      messageId: `${user}-1`,
      timestampS: 1,
      body: new Uint8Array([8, 1]),
    };
    assert.equal(await publisher.publish(batch, 30_000), 'nacked');
    await ch.deleteQueue('full');
    // The retry waits for the new connection (the nacking channel is gone) and is confirmed on it.
    assert.equal(await publisher.publish(batch, 30_000), 'confirmed');
    assert.equal(proxy.connections(), 2);
    // The nacked copy reached 'readback' too (a nack means some queue refused it): at least once.
    const ids = (await drainQueue(vhost.amqpUrl(), 'readback')).map((m) => m.properties.messageId as string);
    assert.deepEqual([...new Set(ids)], [`${user}-1`]);
  },
);
