import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@energy/lib/logger';
import { startPrivateRabbitMQ, type PrivateRabbitMQ } from '@energy/lib/testkit/index';
import { buildApp } from '@energy/api/app';
import { buildInternalApp } from '@energy/api/broker/internal-app';
import type { AppDeps } from '@energy/api/deps';
import { register, testDeps } from '@energy/api/test-support/test-deps';
import { withCredentials } from '@energy/exporters/amqp-url';
import { readExporterConfig } from '@energy/exporters/exporter-config';
import { createExporterMetrics } from '@energy/exporters/metrics';
import { BROKER_CA_FILE_NAME, fetchPairing, writeCredentials } from '@energy/exporters/pairing';
import { AmqpPublisher } from '@energy/exporters/publisher';

/*
 * Pairing against the real API and a real broker in the production profile
 * (AMQPS only, a throwaway local CA): the pairing answer carries the CA, the
 * exporter writes it beside its config, and the config alone is enough to
 * connect — no AMQP_CA_FILE set by hand.
 */
let rabbit: PrivateRabbitMQ;
let deps: AppDeps;
let apiUrl: string;
let app: ReturnType<typeof buildApp>;
const servers: Server[] = [];

function listen(cb: ReturnType<ReturnType<typeof buildApp>['callback']>, port = 0): Promise<Server> {
  const s = createServer((req, res) => void cb(req, res));
  servers.push(s);
  return new Promise((resolve) => s.listen(port, '127.0.0.1', () => resolve(s)));
}

before(async () => {
  rabbit = await startPrivateRabbitMQ({ tls: true, plainListener: false });
  assert.ok(rabbit.ca && rabbit.amqpsUrl);
  const pub = new URL(rabbit.amqpsUrl('/'));
  deps = {
    ...testDeps(),
    brokerPublicUrl: `amqps://${pub.host}`,
    brokerCa: readFileSync(rabbit.ca.caCertFile, 'utf8'),
  };
  app = buildApp(deps);
  // The broker's HTTP auth backend asks the internal listener whether the paired login is valid.
  await listen(buildInternalApp(deps, rabbit.authBackendSecret).callback(), rabbit.authBackendPort);
  const api = await listen(app.callback());
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await deps?.store.close();
  await rabbit?.dispose();
});

test('a Pi paired with a local-CA stack gets the CA with its credentials and connects over AMQPS with it', async () => {
  const owner = await register(app);
  const made = await fetch(`${apiUrl}/api/v1/devices/pairing-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Kitchen' }),
  });
  assert.equal(made.status, 201);
  const { code } = (await made.json()) as { code: string };

  const configPath = join(mkdtempSync(join(tmpdir(), 'pair-tls-')), 'energy-exporter.json');
  writeFileSync(configPath, JSON.stringify({ METERS: [{ type: 'simulator' }] }));
  const paired = await fetchPairing(apiUrl, code);
  writeCredentials(configPath, paired, apiUrl);

  const cfg = readExporterConfig({ EXPORTER_CONFIG: configPath });
  const caFile = join(dirname(configPath), BROKER_CA_FILE_NAME);
  assert.equal(cfg.amqpCaFile, caFile, 'AMQP_CA_FILE names the CA written beside the config');
  assert.equal(readFileSync(caFile, 'utf8'), deps.brokerCa);
  assert.equal(statSync(configPath).mode & 0o777, 0o600, 'the password stays the owner’s');
  assert.match(cfg.amqpUrl, /^amqps:/);
  assert.equal(cfg.username, `${owner.householdId}.${paired.id}`);

  // The device's own view says the same CA, so a renewed one can be learnt later.
  const self = await fetch(`${apiUrl}/api/v1/devices/self`, {
    headers: { authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}` },
  });
  assert.equal(((await self.json()) as { broker: { ca: string } }).broker.ca, deps.brokerCa);

  // The exporter's own publisher, from the paired config alone.
  const publisher = new AmqpPublisher({
    url: withCredentials(cfg.amqpUrl, cfg.username, cfg.password),
    caFile: cfg.amqpCaFile,
    exchange: 'amq.topic',
    log: createLogger('pairing-tls', 'silent'),
    metrics: createExporterMetrics(),
    backoffInitialMs: 100,
    backoffMaxMs: 500,
  });
  publisher.start();
  try {
    assert.ok(
      await publisher.waitReady(30_000),
      'connected over AMQPS, verifying the broker with the paired CA',
    );
  } finally {
    await publisher.close();
  }
});
