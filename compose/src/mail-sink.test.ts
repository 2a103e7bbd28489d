import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import { startMailSink, type SunkMail } from './mail-sink.js';

test('the demo mail sink keeps the last mails and serves them, newest first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mail-sink-'));
  const logFile = join(dir, 'mail-sink.log');
  const sink = await startMailSink({ smtpPort: 0, httpPort: 0, logFile, keep: 2 });
  const transport = nodemailer.createTransport({ url: sink.smtpUrl });
  try {
    for (const n of [1, 2, 3])
      await transport.sendMail({
        from: 'energy@example.com',
        to: `member${n}@example.com`,
        subject: `Mail ${n}`,
        text: `A link long enough to be folded by quoted-printable: http://127.0.0.1:8080/invite#token=${'x'.repeat(90)}&n=${n}`,
      });
    const r = await fetch(sink.mailsUrl);
    assert.equal(r.status, 200);
    const { mails } = (await r.json()) as { mails: SunkMail[] };
    assert.deepEqual(
      mails.map((m) => [m.to, m.subject]),
      [
        [['member3@example.com'], 'Mail 3'],
        [['member2@example.com'], 'Mail 2'],
      ],
    );
    assert.match(mails[0]?.text ?? '', new RegExp(`token=${'x'.repeat(90)}&n=3`));
    assert.match(readFileSync(logFile, 'utf8'), /to member1@example.com: Mail 1/);
    assert.equal((await fetch(sink.mailsUrl.replace('/mails', '/other'))).status, 404);
  } finally {
    transport.close();
    await sink.close();
  }
});
