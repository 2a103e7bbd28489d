import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'oidc-provider';

/** What the provider signs ID tokens with and what keys its cookies; kept in STATE_DIR. */
export interface OidcKeys {
  /** Private signing keys, the first one in use (JWKS publishes their public halves). */
  readonly jwks: { keys: JWK[] };
  readonly cookieKeys: string[];
}

/**
 * Made once and kept in STATE_DIR/oidc-keys.json, like the JWT secret: a
 * restart keeps every ID token verifiable and every session cookie valid,
 * and a second process on the same STATE_DIR (or a copy of the file) signs
 * with the same key. Two processes starting together: the first write wins
 * ('wx'), the other reads it.
 */
export function loadOidcKeys(stateDir: string): OidcKeys {
  const file = join(stateDir, 'oidc-keys.json');
  const read = (): OidcKeys | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as OidcKeys;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${file} cannot be read`, { cause: err });
    }
  };
  const existing = read();
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  const made: OidcKeys = {
    jwks: { keys: [jwk] },
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
  try {
    writeFileSync(file, `${JSON.stringify(made)}\n`, { mode: 0o600, flag: 'wx' });
    return made;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return read() ?? made;
  }
}

/** GRAFANA_OAUTH_CLIENT_SECRET when set, else one generated once into STATE_DIR. */
export function loadGrafanaClientSecret(stateDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(stateDir, 'grafana-oauth-client-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const s = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${s}\n`, { mode: 0o600, flag: 'wx' });
    return s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8').trim();
  }
}
