import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureLocalCa, ensureServerCert } from './tls-ca.js';

// Real openssl, as the launcher runs it.
const dir = mkdtempSync('/tmp/energy-tls-ca-test-');
after(() => rmSync(dir, { recursive: true, force: true }));

const cert = (file: string): X509Certificate => new X509Certificate(readFileSync(file));

test('a server certificate is signed by the CA for 127.0.0.1 and localhost, and kept while valid', async () => {
  const ca = await ensureLocalCa(join(dir, 'a'));
  const s = await ensureServerCert(ca, 'broker');
  const c = cert(s.certFile);
  assert.ok(c.verify(cert(ca.caCertFile).publicKey));
  assert.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(c.checkHost('localhost'), 'localhost');
  assert.equal(c.ca, false);
  const again = await ensureServerCert(ca, 'broker');
  assert.equal(
    readFileSync(again.certFile, 'utf8'),
    readFileSync(s.certFile, 'utf8'),
    'reused, not reissued',
  );
  assert.equal((await ensureLocalCa(join(dir, 'a'))).caCertFile, ca.caCertFile);
});

test('an expired certificate, or one of another CA, is issued anew at the next start', async () => {
  const ca = await ensureLocalCa(join(dir, 'b'));
  const expired = await ensureServerCert(ca, 'broker', { expired: true });
  assert.ok(Date.parse(cert(expired.certFile).validTo) < Date.now());
  const renewed = cert((await ensureServerCert(ca, 'broker')).certFile);
  assert.ok(Date.parse(renewed.validTo) > Date.now() + 300 * 24 * 3600_000);

  const other = await ensureLocalCa(join(dir, 'c'));
  const foreign = await ensureServerCert(other, 'broker');
  copyFileSync(foreign.certFile, join(ca.dir, 'broker.crt'));
  copyFileSync(foreign.keyFile, join(ca.dir, 'broker.key'));
  const fixed = cert((await ensureServerCert(ca, 'broker')).certFile);
  assert.ok(fixed.verify(cert(ca.caCertFile).publicKey));
});
