import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** JWT_SECRET when set, else one generated once and kept in STATE_DIR (sessions survive restarts). */
export function loadJwtSecret(stateDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(stateDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const s = randomBytes(48).toString('base64url');
  writeFileSync(file, `${s}\n`, { mode: 0o600, flag: 'wx' });
  return s;
}
