import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy secrets (refresh tokens, device secrets, API tokens, invite
 * links) are stored as SHA-256: with 256 random bits a slow hash adds nothing,
 * and the broker checks device secrets on every connection.
 */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Ids that match the platform's id pattern /^[A-Za-z0-9_-]{1,64}$/. */
export function newId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 20);
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** A short pairing code a person can type: 8 characters without look-alikes (40 bits). */
export function newPairingCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] ?? 'A';
  return s;
}
