import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './supervisor.js';

/**
 * The local certificate authority the launcher makes in `STATE_DIR/tls`
 * with Debian's openssl: it signs the broker's AMQPS certificate and the
 * API's HTTPS certificate; devices and collectors trust only it
 * (`AMQP_CA_FILE`). A real deployment swaps in its own CA's files; the
 * names below stay the same.
 */
export interface LocalCa {
  readonly dir: string;
  readonly caCertFile: string;
  readonly caKeyFile: string;
}

export interface ServerCert {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerCertOptions {
  /** Subject alternative names: IP addresses and DNS names the clients dial. */
  readonly hosts?: readonly string[];
  readonly days?: number;
  /** Tests only: a certificate whose validity ended yesterday. */
  readonly expired?: boolean;
}

/** Regenerated when it ends within this margin, so a running stack is never caught by an expiry. */
const RENEW_MARGIN_MS = 7 * 24 * 3600_000;
const CA_DAYS = 3650;
const SERVER_DAYS = 397;
export const LOCAL_HOSTS = ['127.0.0.1', 'localhost'] as const;

const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

function stillValid(cert: X509Certificate, now = Date.now()): boolean {
  return Date.parse(cert.validTo) - RENEW_MARGIN_MS > now && Date.parse(cert.validFrom) <= now;
}

function readCert(file: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** openssl's `ca` command is the one that takes explicit dates (3.0's `x509 -req` cannot backdate). */
function caConfig(dir: string, hosts: readonly string[]): string {
  const alt = hosts.map((h, i) => `${isIp(h) ? 'IP' : 'DNS'}.${i + 1} = ${h}`);
  return [
    '[ ca ]',
    'default_ca = local',
    '[ local ]',
    `database = ${join(dir, 'index.txt')}`,
    `new_certs_dir = ${join(dir, 'issued')}`,
    `serial = ${join(dir, 'serial')}`,
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    'email_in_dn = no',
    '[ policy_any ]',
    'commonName = supplied',
    '[ server_ext ]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = @alt',
    '[ alt ]',
    ...alt,
    '',
  ].join('\n');
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes the CA in `dir` unless a valid one is there; a CA near its end is replaced (and so are its certificates). */
export async function ensureLocalCa(dir: string): Promise<LocalCa> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca: LocalCa = { dir, caCertFile: join(dir, 'ca.crt'), caKeyFile: join(dir, 'ca.key') };
  const cert = readCert(ca.caCertFile);
  if (cert && existsSync(ca.caKeyFile) && stillValid(cert)) return ca;
  await run('openssl', [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    ca.caKeyFile,
    '-out',
    ca.caCertFile,
    '-days',
    String(CA_DAYS),
    '-subj',
    '/CN=Energymonitor local CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return ca;
}

/**
 * The certificate `<name>.crt` + `<name>.key` in the CA's folder, signed by
 * the CA, for `hosts`. Reused while valid, signed by this CA and naming
 * every host; else issued anew.
 */
export async function ensureServerCert(
  ca: LocalCa,
  name: string,
  opts: ServerCertOptions = {},
): Promise<ServerCert> {
  const hosts = opts.hosts ?? LOCAL_HOSTS;
  const out: ServerCert = { certFile: join(ca.dir, `${name}.crt`), keyFile: join(ca.dir, `${name}.key`) };
  const current = readCert(out.certFile);
  const caCert = readCert(ca.caCertFile);
  if (
    !opts.expired &&
    current &&
    caCert &&
    existsSync(out.keyFile) &&
    stillValid(current) &&
    current.checkIssued(caCert) &&
    current.verify(caCert.publicKey) &&
    hosts.every((h) => (isIp(h) ? current.checkIP(h) : current.checkHost(h)) !== undefined)
  ) {
    return out;
  }
  const work = join(ca.dir, `.issue-${name}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'issued'), { recursive: true });
  writeFileSync(join(work, 'index.txt'), '');
  writeFileSync(join(work, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  const cfg = join(work, 'ca.cnf');
  writeFileSync(cfg, caConfig(work, hosts));
  const csr = join(work, 'req.csr');
  await run('openssl', [
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    out.keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${hosts[0]}`,
  ]);
  const day = 24 * 3600_000;
  const asn1 = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  const now = Date.now();
  const [from, to] = opts.expired
    ? [now - 30 * day, now - day]
    : [now - 3600_000, now + (opts.days ?? SERVER_DAYS) * day];
  await run('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    cfg,
    '-cert',
    ca.caCertFile,
    '-keyfile',
    ca.caKeyFile,
    '-in',
    csr,
    '-out',
    out.certFile,
    '-extensions',
    'server_ext',
    '-startdate',
    asn1(from),
    '-enddate',
    asn1(to),
  ]);
  rmSync(work, { recursive: true, force: true });
  return out;
}
