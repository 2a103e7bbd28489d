/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- supertest bodies are untyped JSON */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { buildApp } from '../app.js';
import { buildInternalApp } from '../broker/internal-app.js';
import { register, testDeps, type Account } from '../test-support/test-deps.js';
import { SmtpMailer } from './smtp-mailer.js';

/** One mail as the SMTP server received it: envelope recipients, subject and decoded text. */
interface Received {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

const inbox: Received[] = [];
/** A real SMTP server (smtp-server), no TLS or auth, keeping what it is sent. */
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, done) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      inbox.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        ...parse(Buffer.concat(chunks).toString()),
      });
      done();
    });
  },
});

/** Enough of RFC 5322 for nodemailer's plain-text mails: the subject, the body (quoted-printable or not). */
function parse(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  if (/content-transfer-encoding: quoted-printable/i.test(head))
    body = Buffer.from(
      body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  else if (/content-transfer-encoding: base64/i.test(head))
    body = Buffer.from(body, 'base64').toString('utf8');
  return { subject: /^subject: (.*)$/im.exec(head)?.[1] ?? '', text: body.replace(/\r\n/g, '\n') };
}

const PUBLIC_URL = 'http://portal.example:8080';
let mailer: SmtpMailer;
let deps: ReturnType<typeof testDeps>;
let app: ReturnType<typeof buildApp>;
let internal: ReturnType<typeof buildInternalApp>;

before(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'Energymonitor <energy@example.com>');
  deps = { ...testDeps(), mailer, publicUrl: PUBLIC_URL };
  app = buildApp(deps);
  internal = buildInternalApp(deps, 'internal-key');
});
after(async () => {
  mailer.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const http = () => request(app.callback());
const bearer = (a: { accessToken: string }) => ({ authorization: `Bearer ${a.accessToken}` });
const webhook = (alerts: unknown[]) =>
  request(internal.callback())
    .post('/internal/alertmanager?key=internal-key')
    .send({ version: '4', receiver: 'households', alerts })
    .expect(200);
const mailsTo = (email: string) => inbox.filter((m) => m.to.includes(email));

/** An owner, and a viewer who joined from the mailed invitation. */
async function householdOfTwo(): Promise<{ owner: Account; viewer: { accessToken: string; email: string } }> {
  const owner = await register(app, { householdName: 'The Millers' });
  const email = `Invitee-${Date.now()}@Example.com`;
  const inv = await http()
    .post('/api/v1/household/invites')
    .set(bearer(owner))
    .send({ email, role: 'viewer' })
    .expect(201);
  assert.equal(inv.body.mailed, true);
  const mails = mailsTo(email.toLowerCase());
  assert.equal(mails.length, 1, 'one invitation mail');
  const mail = mails[0]!;
  assert.match(mail.subject, /The Millers/);
  // The link is the one in the mail, followed as the invite page does: token and address from its fragment.
  const link = /(http\S+)/.exec(mail.text)?.[1] ?? '';
  assert.ok(link.startsWith(`${PUBLIC_URL}/invite#`), link);
  const p = new URLSearchParams(new URL(link).hash.slice(1));
  assert.equal(p.get('email'), email.toLowerCase());
  const joined = await http()
    .post('/api/v1/auth/accept-invite')
    .send({ token: p.get('token'), email: p.get('email'), password: 'another long passphrase' })
    .expect(201);
  assert.equal(joined.body.role, 'viewer');
  return { owner, viewer: { accessToken: joined.body.accessToken, email: email.toLowerCase() } };
}

test('an invitation is mailed with a link that joins the household once', async () => {
  const { owner } = await householdOfTwo();
  const members = await http().get('/api/v1/household/members').set(bearer(owner)).expect(200);
  assert.equal(members.body.members.length, 2);
  // Without an address the invite is what it was: a token for the owner to pass on, no mail.
  const before = inbox.length;
  const plain = await http().post('/api/v1/household/invites').set(bearer(owner)).send({ role: 'member' });
  assert.equal(plain.status, 201);
  assert.equal(plain.body.mailed, undefined);
  assert.equal(inbox.length, before);
  const bad = await http()
    .post('/api/v1/household/invites')
    .set(bearer(owner))
    .send({ email: 'not an address', role: 'viewer' })
    .expect(400);
  assert.equal(bad.body.error.code, 'validation_failed');
});

test('one mail per firing and per resolution, to each member who wants them; repeats, mutes and grace send none', async () => {
  const { owner, viewer } = await householdOfTwo();
  const auth = bearer(owner);
  await http().post('/api/v1/devices').set(auth).send({ name: 'Kitchen Pi', id: 'pi' }).expect(201);
  await http().post('/api/v1/devices').set(auth).send({ name: 'Garage Pi', id: 'quiet' }).expect(201);
  await http().put('/api/v1/devices/pi/sockets/3').set(auth).send({ name: 'Fridge' }).expect(200);
  await http().put('/api/v1/devices/pi/alerts').set(auth).send({ offlineGraceMinutes: 30 }).expect(200);
  const mute = new Date(Date.now() + 3_600_000).toISOString();
  await http().put('/api/v1/devices/quiet/alerts').set(auth).send({ muteUntil: mute }).expect(200);
  // The viewer wants no alert mails.
  const pref = await http()
    .put('/api/v1/me/preferences')
    .set(bearer(viewer))
    .send({ alertMails: false })
    .expect(200);
  assert.deepEqual(pref.body, { alertMails: false });
  assert.deepEqual((await http().get('/api/v1/me/preferences').set(auth).expect(200)).body, {
    alertMails: true,
  });
  await http().put('/api/v1/me/preferences').set(auth).send({ alertMails: 'no' }).expect(400);

  const since = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const standby = {
    status: 'firing',
    fingerprint: 'standby-pi-3',
    labels: { alertname: 'StandbyWaste', household: owner.householdId, device: 'pi', socket: '3' },
    annotations: { summary: 'Socket 3 of pi wastes 12 W in standby' },
    startsAt: since(40),
  };
  const muted = { ...standby, fingerprint: 'standby-quiet', labels: { ...standby.labels, device: 'quiet' } };
  const inGrace = {
    status: 'firing',
    fingerprint: 'offline-pi',
    labels: { alertname: 'DeviceOffline', household: owner.householdId, device: 'pi' },
    annotations: { summary: 'Device pi stopped sending readings' },
    startsAt: since(5),
  };
  const before = inbox.length;
  await webhook([standby, muted, inGrace]);
  await webhook([standby, muted, inGrace]); // Alertmanager's repeat
  const resolved = (a: object) => ({ ...a, status: 'resolved' });
  await webhook([resolved(standby), resolved(muted), resolved(inGrace)]);
  await webhook([resolved(standby)]); // a resolution repeated too

  const sent = inbox.slice(before);
  assert.deepEqual(
    sent.map((m) => m.to),
    [[owner.email], [owner.email]],
    'the owner alone, once firing and once resolved',
  );
  const [firing, over] = sent;
  assert.match(firing!.subject, /^The Millers: Fridge on Kitchen Pi wastes power in standby$/);
  assert.match(over!.subject, /^The Millers: resolved: Fridge on Kitchen Pi/);
  for (const m of sent) assert.ok(m.text.includes(`${PUBLIC_URL}/devices/pi`), m.text);
  assert.equal(mailsTo(viewer.email).length, 1, 'the viewer got the invitation only');

  const list = await http().get('/api/v1/notifications').set(auth).expect(200);
  const rows = list.body.notifications as { alertname: string; status: string }[];
  assert.deepEqual(rows.map((n) => `${n.alertname}/${n.status}`).sort(), [
    'StandbyWaste/firing',
    'StandbyWaste/resolved',
  ]);
  const metrics = await deps.metrics.registry.getSingleMetricAsString('api_mails_total');
  assert.match(metrics, /api_mails_total\{kind="alert",result="sent"\} 2/);
});

test('an SMTP server that refuses leaves the invite and the notification kept, the mail counted as failed', async () => {
  // A port nothing listens on: the connection is refused at once.
  const closed = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
  });
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'energy@example.com');
  const d = { ...testDeps(), mailer: down, publicUrl: PUBLIC_URL };
  const a = buildApp(d);
  try {
    const owner = await register(a, { householdName: 'Offline mail' });
    const inv = await request(a.callback())
      .post('/api/v1/household/invites')
      .set(bearer(owner))
      .send({ email: 'someone@example.com', role: 'member' })
      .expect(201);
    assert.equal(inv.body.mailed, false);
    assert.ok(String(inv.body.link).startsWith(`${PUBLIC_URL}/invite#`), 'the owner can pass the link on');
    const r = await request(buildInternalApp(d, 'k').callback())
      .post('/internal/alertmanager?key=k')
      .send({
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'HighConsumption', household: owner.householdId },
            startsAt: new Date().toISOString(),
          },
        ],
      })
      .expect(200);
    assert.deepEqual(r.body, { stored: 1 });
    const m = await d.metrics.registry.getSingleMetricAsString('api_mails_total');
    assert.match(m, /api_mails_total\{kind="invite",result="failed"\} 1/);
    assert.match(m, /api_mails_total\{kind="alert",result="failed"\} 1/);
  } finally {
    down.close();
  }
});
