/*
 * The broker hop over TLS, on a real RabbitMQ of the test's own in the
 * production profile (AMQPS listener only, the plain listener off), with a
 * throwaway local CA made by lib/src/services/tls-ca.ts. Clients connect as
 * the exporter and the collector do: amqplib with the socket options of
 * lib/src/amqp-tls.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { amqpSocketOptions, amqpTlsProblem } from '@energy/lib/amqp-tls';
import { ensureLocalCa, ensureServerCert, type LocalCa } from '@energy/lib/services/tls-ca';
import { startPrivateRabbitMQ, type PrivateRabbitMQ } from '@energy/lib/testkit/index';

let broker: PrivateRabbitMQ;
let otherCa: LocalCa;
const scratch = mkdtempSync('/tmp/energy-tls-test-');

before(async () => {
  broker = await startPrivateRabbitMQ({ tls: true, plainListener: false, withAuthBackend: false });
  // A CA the broker's certificate does not chain to: what a device with a stale or foreign CA file holds.
  otherCa = await ensureLocalCa(join(scratch, 'other-ca'));
});

after(async () => {
  await broker?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

function amqpsUrl(): string {
  assert.ok(broker.amqpsUrl, 'the broker has an AMQPS listener');
  return broker.amqpsUrl('/');
}

async function refusal(url: string, caFile: string | undefined): Promise<Error> {
  try {
    const conn = await amqp.connect(url, amqpSocketOptions(url, caFile));
    await conn.close();
  } catch (err) {
    return err as Error;
  }
  assert.fail(`connecting to ${url.replace(/\/\/.*@/, '//…@')} should have been refused`);
}

test('a client trusting the local CA connects over AMQPS and publishes with a confirm', async () => {
  const url = amqpsUrl();
  assert.ok(broker.ca);
  const conn = await amqp.connect(url, amqpSocketOptions(url, broker.ca.caCertFile));
  try {
    const ch = await conn.createConfirmChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    await new Promise<void>((resolve, reject) =>
      ch.sendToQueue(q.queue, Buffer.from('reading'), {}, (err) => (err ? reject(err as Error) : resolve())),
    );
    const got = await ch.get(q.queue, { noAck: true });
    assert.ok(got && got.content.toString() === 'reading');
  } finally {
    await conn.close();
  }
});

test('a client with another CA refuses the broker: the password is never sent', async () => {
  const err = await refusal(amqpsUrl(), otherCa.caCertFile);
  assert.match(
    `${(err as NodeJS.ErrnoException).code} ${err.message}`,
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed|SELF_SIGNED/i,
  );
});

test('the plain AMQP port is closed in the production profile', async () => {
  const plain = broker.amqpUrl('/');
  const err = await refusal(plain, undefined);
  assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  // And a device config that names a CA file with a plain URL is refused at start.
  assert.match(amqpTlsProblem(plain, '/etc/energy/ca.crt') ?? '', /not amqps/);
});

test('an expired server certificate is refused', async () => {
  assert.ok(broker.ca);
  const expired = await ensureServerCert(broker.ca, 'expired', { expired: true });
  // The broker reads its files from its own folder; Erlang's ssl caches them until told to reload.
  copyFileSync(expired.certFile, join(broker.baseDir, 'tls', 'server.crt'));
  copyFileSync(expired.keyFile, join(broker.baseDir, 'tls', 'server.key'));
  await broker.ctl(['eval', 'ssl:clear_pem_cache().']);
  const err = await refusal(amqpsUrl(), broker.ca.caCertFile);
  assert.match(`${(err as NodeJS.ErrnoException).code} ${err.message}`, /CERT_HAS_EXPIRED|expired/i);
});
