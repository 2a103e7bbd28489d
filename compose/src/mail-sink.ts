import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * The demo's mail sink: an SMTP server on loopback that accepts every mail
 * the API sends (household alerts, invitations), keeps the last ones and
 * serves them over HTTP (GET /mails, newest first) so the demo's mails can
 * be read without a mail account. A real deployment sets SMTP_URL instead.
 */
export interface MailSinkOptions {
  readonly smtpPort: number;
  readonly httpPort: number;
  /** One line per mail (recipients and subject) is appended here. */
  readonly logFile: string;
  /** How many mails GET /mails keeps (newest first). */
  readonly keep?: number;
}

/** One mail as the sink received it. */
export interface SunkMail {
  readonly receivedAt: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** The body, decoded from quoted-printable or base64 where the mail says so. */
  readonly text: string;
}

export interface MailSink {
  /** What the API's SMTP_URL is set to. */
  readonly smtpUrl: string;
  readonly mailsUrl: string;
  close(): Promise<void>;
}

/** Mails larger than this are refused: the demo's are a few hundred bytes. */
const MAX_MAIL_BYTES = 256 * 1024;

export async function startMailSink(o: MailSinkOptions): Promise<MailSink> {
  const keep = o.keep ?? 100;
  const mails: SunkMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    // Loopback only: no TLS to offer, no accounts to check.
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MAIL_BYTES,
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) return done(new Error('mail too large for the demo sink'));
        const m: SunkMail = {
          receivedAt: new Date().toISOString(),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...readMail(Buffer.concat(chunks).toString('latin1')),
        };
        mails.unshift(m);
        mails.splice(keep);
        appendFileSync(o.logFile, `${m.receivedAt} to ${m.to.join(', ')}: ${m.subject}\n`);
        done();
      });
    },
  });
  smtp.on('error', (err) =>
    appendFileSync(o.logFile, `${new Date().toISOString()} smtp error: ${err.message}\n`),
  );
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(o.smtpPort, '127.0.0.1', () => resolve());
  });
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const found = req.method === 'GET' && path === '/mails';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        found ? { mails } : { error: { code: 'not_found', message: 'GET /mails lists the mails' } },
      ),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(o.httpPort, '127.0.0.1', resolve);
    });
  } catch (err) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw err;
  }
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    mailsUrl: `http://127.0.0.1:${httpPort}/mails`,
    close: async () => {
      await Promise.all([new Promise<void>((resolve) => smtp.close(() => resolve())), closeHttp(http)]);
    },
  };
}

function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Enough of RFC 5322 for the API's plain-text mails: the subject and the decoded body. */
export function readMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r\n[ \t]+/g, ' ');
  const body = split < 0 ? '' : raw.slice(split + 4);
  let text: string;
  if (/^content-transfer-encoding:\s*quoted-printable/im.test(head))
    text = Buffer.from(
      body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  else if (/^content-transfer-encoding:\s*base64/im.test(head))
    text = Buffer.from(body, 'base64').toString('utf8');
  else text = Buffer.from(body, 'latin1').toString('utf8');
  return { subject: /^subject: (.*)$/im.exec(head)?.[1] ?? '', text: text.replace(/\r\n/g, '\n') };
}
