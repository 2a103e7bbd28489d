import argon2 from 'argon2';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet parameters
 * (m = 19 MiB, t = 2, p = 1). Verification reads the parameters from the
 * stored hash, so raising them later keeps old hashes valid.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/** A small list of the most breached passwords (ASVS 2.1.7); matched case-insensitively. */
const BREACHED = new Set([
  '12345678',
  '123456789',
  '1234567890',
  'password',
  'password1',
  'password123',
  'passw0rd',
  'qwertyuiop',
  'qwerty123',
  '11111111',
  '00000000',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'abc12345',
  'abcd1234',
  'superman',
  'starwars',
  'trustno1',
  'letmein1',
  'whatever',
  'dragon12',
  'monkey12',
  'master12',
  'asdfghjkl',
  'zxcvbnm1',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'qazwsxedc',
  'aa123456',
  'changeme',
  'admin123',
  'administrator',
  'p@ssw0rd',
  'p@ssword',
  'computer',
  'internet',
  '87654321',
  '12341234',
  '123123123',
  'q1w2e3r4',
  'michelle',
  'jennifer',
  'liverpool',
  'chocolate',
]);

/** Why a new password is refused, or undefined when it is acceptable. No composition rules. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `The password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `The password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (BREACHED.has(password.toLowerCase())) return 'This password appears in lists of breached passwords';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the email is unknown so timing does not tell. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword('dummy-password-for-timing');
  return dummy;
}
