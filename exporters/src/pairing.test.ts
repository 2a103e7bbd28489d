import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PairingError, fetchPairing, writeCredentials } from './pairing.js';
import { readExporterConfig } from './exporter-config.js';

async function api(handler: (body: string) => [number, string]): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const [status, out] = req.url === '/api/v1/devices/pair' ? handler(body) : [404, '{}'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('pairing exchanges the code and writes the credentials, keeping other settings', async () => {
  const url = await api((body) => {
    assert.deepEqual(JSON.parse(body), { code: 'K7Q-2MX' });
    return [
      200,
      JSON.stringify({
        id: 'pi1',
        name: 'Kitchen',
        broker: {
          url: 'amqp://b:5672',
          urls: ['amqp://b:5672', 'amqp://c:5672'],
          username: 'h1.pi1',
          password: 's3',
          // Beside plain amqp:// URLs a CA is of no use, and a CA file would be refused at start.
          ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        },
      }),
    ];
  });
  const path = join(mkdtempSync(join(tmpdir(), 'pair-')), 'c.json');
  writeFileSync(
    path,
    JSON.stringify({ METERS: [{ type: 'simulator' }], AMQP_CA_FILE: '/etc/energy/old-ca.pem' }),
  );
  writeCredentials(path, await fetchPairing(url, 'K7Q-2MX'));
  const cfg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.AMQP_USERNAME, 'h1.pi1');
  assert.equal(cfg.AMQP_PASSWORD, 's3');
  // The cluster's nodes become AMQP_URLS, which the exporter reads as its failover list.
  assert.equal(cfg.AMQP_URLS, 'amqp://b:5672,amqp://c:5672');
  const read = readExporterConfig({ EXPORTER_CONFIG: path });
  assert.deepEqual(read.amqpUrls, ['amqp://b:5672', 'amqp://c:5672']);
  assert.deepEqual(cfg.METERS, [{ type: 'simulator' }]);
  assert.equal(cfg.AMQP_CA_FILE, undefined, 'an earlier CA file is dropped for a plain broker');
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('pairing: a refused or garbled answer is a clear error', async () => {
  const refused = await api(() => [
    404,
    JSON.stringify({ error: { code: 'pairing_code_unknown', message: 'no such code' } }),
  ]);
  await assert.rejects(
    fetchPairing(refused, 'x'),
    (e: unknown) => e instanceof PairingError && /no such code/.test(e.message),
  );
  const garbled = await api(() => [200, '<html>']);
  await assert.rejects(fetchPairing(garbled, 'x'), PairingError);
  const noCreds = await api(() => [
    200,
    JSON.stringify({ id: 'x', broker: { url: 'u', username: 'nodot', password: 'p' } }),
  ]);
  await assert.rejects(fetchPairing(noCreds, 'x'), PairingError);
});
