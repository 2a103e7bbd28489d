import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDeviceUsername } from '@energy/lib/defaults';

export interface PairingResponse {
  readonly id: string;
  readonly name: string;
  readonly broker: {
    readonly url: string;
    /** Every node of a cluster (APIs before it answer with `url` alone). */
    readonly urls?: readonly string[];
    readonly username: string;
    readonly password: string;
    /** The broker's CA certificate (PEM) when it is a private one (the launcher's local CA). */
    readonly ca?: string;
  };
}

/** The CA file pairing writes beside the config file: AMQP_CA_FILE then names it. */
export const BROKER_CA_FILE_NAME = 'broker-ca.pem';

export class PairingError extends Error {
  override name = 'PairingError';
}

/** The API answers {deviceId, …} (api/src/routes/device-routes.ts); `id` is kept for answers that say so. */
function asPairingResponse(v: unknown): PairingResponse | undefined {
  const o = v as (Omit<PairingResponse, 'id'> & { id?: unknown; deviceId?: unknown }) | null;
  const id = typeof o?.deviceId === 'string' ? o.deviceId : o?.id;
  const ok =
    typeof id === 'string' &&
    typeof o?.broker?.url === 'string' &&
    typeof o.broker.username === 'string' &&
    typeof o.broker.password === 'string' &&
    (o.broker.ca === undefined ||
      (typeof o.broker.ca === 'string' && o.broker.ca.includes('BEGIN CERTIFICATE'))) &&
    parseDeviceUsername(o.broker.username) !== undefined;
  return ok ? { id, name: typeof o.name === 'string' ? o.name : id, broker: o.broker } : undefined;
}

/** Exchanges a pairing code for this Pi's broker credentials (once: the API forgets the code). */
export async function fetchPairing(
  apiUrl: string,
  code: string,
  timeoutMs = 10_000,
): Promise<PairingResponse> {
  const res = await fetch(new URL('/api/v1/devices/pair', apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PairingError(`the API answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string } }).error;
    throw new PairingError(
      `pairing refused (${res.status} ${e?.code ?? ''}): ${e?.message ?? text.slice(0, 200)}`,
    );
  }
  const p = asPairingResponse(body);
  if (!p) throw new PairingError('the API answered without usable broker credentials');
  return p;
}

/**
 * Writes the credentials into the config file, keeping its other settings;
 * readable by the owner only. A CA in the answer for an amqps:// broker is
 * written beside it and named by AMQP_CA_FILE, so the Pi verifies the broker
 * with no manual step; without one, an AMQP_CA_FILE set by hand stays.
 */
export function writeCredentials(configPath: string, p: PairingResponse, apiUrl?: string): void {
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const urls = [p.broker.url, ...(p.broker.urls ?? [])];
  const tls = urls.some((u) => u.startsWith('amqps:'));
  let ca: { AMQP_CA_FILE: string } | undefined;
  if (tls && p.broker.ca !== undefined) {
    const caPath = resolve(join(dirname(configPath), BROKER_CA_FILE_NAME));
    writeAtomically(caPath, p.broker.ca.endsWith('\n') ? p.broker.ca : `${p.broker.ca}\n`, 0o644);
    ca = { AMQP_CA_FILE: caPath };
  }
  // A CA file beside plain amqp:// URLs is refused at start (lib/src/amqp-tls.ts): a plain broker drops it.
  if (!tls) delete existing.AMQP_CA_FILE;
  const next = {
    ...existing,
    ...ca,
    AMQP_URL: p.broker.url,
    // A single node clears a list an earlier pairing wrote.
    AMQP_URLS: (p.broker.urls ?? []).filter((u) => typeof u === 'string').join(','),
    AMQP_USERNAME: p.broker.username,
    AMQP_PASSWORD: p.broker.password,
    // A fresh password: a rotation schedule counts from now; the API it came from is where it rotates.
    AMQP_PASSWORD_ROTATED_AT: Math.floor(Date.now() / 1000),
    ...(apiUrl ? { ENERGY_API_URL: apiUrl } : {}),
    DEVICE_ID: p.id,
    DEVICE_NAME: p.name,
  };
  writeAtomically(configPath, `${JSON.stringify(next, null, 2)}\n`, 0o600);
}

function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}
