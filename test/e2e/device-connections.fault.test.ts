/*
 * The small version of bench:connections' storm (bench/connections/): 300
 * simulated Pis, each logging in to RabbitMQ with its own credentials over
 * its own connection (exporters/src/fleet-own-connections.ts), the broker's
 * HTTP auth backend being the API's real internal listener over a SQLite
 * store. The broker is restarted with every device connected: every device
 * comes back on its own jittered backoff and publishes again, and every
 * batch any device made is in the queue afterwards, published under the
 * device's own broker-verified user id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import amqp from 'amqplib';
import { buildInternalApp } from '@energy/api/broker/internal-app';
import { newSecret, sha256 } from '@energy/api/auth/secrets';
import { testDeps } from '@energy/api/test-support/test-deps';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';
import { createLogger } from '@energy/lib/logger';
import {
  freePort,
  startRabbitMQ,
  type RabbitMQHandle,
  type RabbitMQOptions,
} from '@energy/lib/services/index';
import { OwnConnectionsFleet, type OwnDevice } from '@energy/exporters/fleet-own-connections';
import { createExporterMetrics } from '@energy/exporters/metrics';

const DEVICES = Number(process.env.FAULT_DEVICES ?? 300);
const QUEUE = 'readback';

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every message in the queue: message ids per routing key, and those whose user id is not the key. */
async function drain(url: string): Promise<{ ids: Map<string, Set<string>>; foreign: number }> {
  const ids = new Map<string, Set<string>>();
  let foreign = 0;
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    for (;;) {
      const m = await ch.get(QUEUE, { noAck: true });
      if (m === false) break;
      const key = m.fields.routingKey;
      if (m.properties.userId !== key) foreign++;
      let s = ids.get(key);
      if (!s) ids.set(key, (s = new Set()));
      s.add(String(m.properties.messageId));
    }
  } finally {
    await conn.close();
  }
  return { ids, foreign };
}

test(`${DEVICES} devices on their own connections: the broker restarts, all publish again, nothing is lost`, async () => {
  const baseDir = mkdtempSync('/tmp/energy-device-connections-fault-');
  const authPort = await freePort();
  const secret = randomBytes(12).toString('hex');
  const deps = testDeps();
  const devices: OwnDevice[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const householdId = `hdc${String(i).padStart(4, '0')}`;
    const password = newSecret();
    await deps.store.createHousehold({
      id: householdId,
      name: householdId,
      timeZone: 'UTC',
      currency: 'EUR',
    });
    await deps.store.createDevice({
      id: 'pi1',
      householdId,
      name: 'Pi',
      secretHash: sha256(password),
      sockets: [{ socket: 0, name: 'Fridge', role: 'socket' }],
      createdAt: new Date(),
    });
    devices.push({ householdId, deviceId: 'pi1', password, sockets: 2 });
  }
  const internal = buildInternalApp(deps, secret).callback();
  const authServer: Server = createServer((req, res) => void internal(req, res));
  await new Promise<void>((r) => authServer.listen(authPort, '127.0.0.1', r));
  const opts: RabbitMQOptions = {
    baseDir,
    nodeName: `energy-devconn-fault-${randomBytes(3).toString('hex')}@localhost`,
    amqpPort: await freePort(),
    distPort: await freePort(),
    managementPort: await freePort(),
    prometheusPort: await freePort(),
    authHttpBaseUrl: `http://127.0.0.1:${authPort}`,
    authHttpKey: secret,
  };
  let broker: RabbitMQHandle | undefined = await startRabbitMQ(opts);
  const fleet = new OwnConnectionsFleet({
    devices,
    amqpUrls: [`amqp://127.0.0.1:${opts.amqpPort}/`],
    exchange: READINGS_EXCHANGE,
    seed: 14,
    log: createLogger('fault-fleet', 'fatal'),
    metrics: createExporterMetrics(),
    startMinute: Math.floor(Date.now() / 60_000) - 60,
    minuteEveryMs: 5000,
    bootSpreadMs: 2000,
    backoffInitialMs: 500,
    // Short, so the test is short; the bench runs the production 30 s ceiling.
    backoffMaxMs: 4000,
  });
  try {
    const admin = await amqp.connect(broker.amqpUrl('/'));
    const ch = await admin.createChannel();
    await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(QUEUE, { durable: true });
    await ch.bindQueue(QUEUE, READINGS_EXCHANGE, '#');
    await admin.close();

    fleet.start();
    await waitFor('every device to connect', () => fleet.connected === DEVICES, 60_000);
    await waitFor('a confirm from every device', () => fleet.devices.every((d) => d.confirmed > 0), 60_000);

    await broker.stop();
    broker = undefined;
    const builtDuringOutage = fleet.outboxBatches;
    broker = await startRabbitMQ(opts);
    const upAt = Date.now();
    await waitFor(
      'every device to publish again',
      () => fleet.devices.every((d) => d.lastConfirmAtMs > upAt),
      60_000,
    );
    const recoveryS = (Math.max(...fleet.devices.map((d) => d.lastConfirmAtMs)) - upAt) / 1000;
    assert.ok(await fleet.stop(60_000), 'every outbox emptied');

    const { ids, foreign } = await drain(broker.amqpUrl('/'));
    assert.equal(foreign, 0, 'every batch carries its own device as the broker-verified user id');
    let lost = 0;
    let made = 0;
    for (const d of fleet.devices) {
      made += d.made;
      const seqs = new Set([...(ids.get(d.username) ?? [])].map((id) => Number(id.split('-')[1])));
      for (let s = 1; s <= d.made; s++) if (!seqs.has(s)) lost++;
    }
    assert.equal(lost, 0, `${lost} of ${made} batches lost`);
    assert.ok(builtDuringOutage > 0, 'the devices kept making batches while the broker was down');
    process.stdout.write(
      `# fault device-connections: ${DEVICES} devices, ${made} batches, ${builtDuringOutage} held during the restart, all back ${recoveryS.toFixed(1)} s after the broker, lost 0\n`,
    );
  } finally {
    await fleet.stop(0);
    if (broker) await broker.stop();
    authServer.close();
    await deps.store.close();
    rmSync(baseDir, { recursive: true, force: true });
  }
});
