import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  };
}

export class PairingError extends Error {
  override name = 'PairingError';
}

function isPairingResponse(v: unknown): v is PairingResponse {
  const o = v as PairingResponse | null;
  return (
    typeof o?.id === 'string' &&
    typeof o.broker?.url === 'string' &&
    typeof o.broker.username === 'string' &&
    typeof o.broker.password === 'string' &&
    parseDeviceUsername(o.broker.username) !== undefined
  );
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
  if (!isPairingResponse(body)) throw new PairingError('the API answered without usable broker credentials');
  return body;
}

/** Writes the credentials into the config file, keeping its other settings; readable by the owner only. */
export function writeCredentials(configPath: string, p: PairingResponse, apiUrl?: string): void {
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const next = {
    ...existing,
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
  const tmp = `${configPath}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, configPath);
}
