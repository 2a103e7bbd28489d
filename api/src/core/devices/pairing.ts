import { newPairingCode, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { DeviceStore } from '../../store/accounts-store.js';
import { createDevice, type DeviceCreationDeps, type DeviceCredentials } from './device-credentials.js';

export const PAIRING_CODE_MINUTES = 10;
/** The device name when the portal gives none. */
export const DEFAULT_PAIRED_NAME = 'Raspberry Pi';

export interface PairingDeps extends DeviceCreationDeps {
  readonly store: DeviceCreationDeps['store'] & Pick<DeviceStore, 'createPairingCode' | 'takePairingCode'>;
}

/** A short code the portal shows and a person types on the Pi; only its hash is kept. */
export async function createPairingCode(
  deps: Pick<PairingDeps, 'store' | 'now'>,
  householdId: string,
  deviceName: string = DEFAULT_PAIRED_NAME,
): Promise<{ code: string; expiresAt: Date }> {
  const code = newPairingCode();
  const expiresAt = new Date(deps.now().getTime() + PAIRING_CODE_MINUTES * 60_000);
  await deps.store.createPairingCode({ codeHash: sha256(code), householdId, deviceName, expiresAt });
  return { code, expiresAt };
}

/**
 * The Pi has no account: the short-lived, single-use code is its credential,
 * exchanged once for a new device of the code's household. Typed codes may
 * come in lower case, with spaces or dashes.
 */
export async function pairDevice(
  deps: PairingDeps,
  typed: string,
): Promise<{ householdId: string; device: DeviceCredentials }> {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  const p = await deps.store.takePairingCode(sha256(code), deps.now());
  if (!p || p.expiresAt <= deps.now())
    throw new ApiError('invalid_token', 'The pairing code is not valid or was already used');
  return { householdId: p.householdId, device: await createDevice(deps, p.householdId, p.deviceName) };
}
