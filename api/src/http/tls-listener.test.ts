import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureLocalCa, ensureServerCert } from '@energy/lib/services/tls-ca';
import { apiTlsProblem, createApiServer, HSTS_VALUE } from './tls-listener.js';

const dir = mkdtempSync('/tmp/energy-api-tls-');
after(() => rmSync(dir, { recursive: true, force: true }));

const hello = (_req: IncomingMessage, res: import('node:http').ServerResponse): void => {
  res.end('ok');
};

async function listen(server: ReturnType<typeof createApiServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('with the local CA’s certificate the API answers over https with HSTS; a client with another CA refuses it', async () => {
  const ca = await ensureLocalCa(join(dir, 'ca'));
  const other = await ensureLocalCa(join(dir, 'other'));
  const cert = await ensureServerCert(ca, 'api');
  const server = createApiServer(hello, cert);
  const port = await listen(server);
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpsGet(`https://127.0.0.1:${port}/`, { ca: readFileSync(ca.caCertFile) }, resolve).on(
        'error',
        reject,
      ),
    );
    res.resume();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['strict-transport-security'], HSTS_VALUE);
    const err = await new Promise<Error>((resolve, reject) =>
      httpsGet(`https://127.0.0.1:${port}/`, { ca: readFileSync(other.caCertFile) }, () =>
        reject(new Error('answered')),
      ).on('error', resolve),
    );
    assert.match(String((err as NodeJS.ErrnoException).code), /UNABLE_TO_VERIFY|SELF_SIGNED/);
  } finally {
    server.close();
  }
});

test('without certificate files the API listens on plain http and sends no HSTS (RFC 6797: never over http)', async () => {
  const server = createApiServer(hello, { certFile: undefined, keyFile: undefined });
  const port = await listen(server);
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(`http://127.0.0.1:${port}/`, resolve).on('error', reject),
    );
    res.resume();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['strict-transport-security'], undefined);
  } finally {
    server.close();
  }
});

test('a certificate without its key (or the reverse) is a configuration error', () => {
  assert.match(apiTlsProblem({ certFile: '/x.crt', keyFile: undefined }) ?? '', /set both or neither/);
  assert.equal(apiTlsProblem({ certFile: undefined, keyFile: undefined }), undefined);
});
