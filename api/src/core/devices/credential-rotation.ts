import { deviceUsername, parseDeviceUsername } from '@energy/lib/defaults';
import { newSecret, sameHash, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { Device, DeviceStore } from '../../store/accounts-store.js';
import type { BrokerConnections } from '../households/household-deletion.js';
import type { Warnings } from '../households/warnings.js';

/** How long a device's secret stays accepted after the device rotated it (DEVICE_SECRET_GRACE_HOURS). */
export const DEFAULT_SECRET_GRACE_S = 24 * 3600;

/** Which of a device's secrets a password is. */
export type SecretMatch = 'current' | 'previous';

/** The current secret, or the previous one before its deadline; undefined: neither. */
export function matchSecret(d: Device, password: string, now: Date): SecretMatch | undefined {
  if (password.length === 0 || password.length > 512) return undefined;
  const hash = sha256(password);
  if (sameHash(d.secretHash, hash)) return 'current';
  const prev = d.previousSecret;
  return prev && prev.until > now && sameHash(prev.hash, hash) ? 'previous' : undefined;
}

export interface AuthenticatedDevice {
  readonly device: Device;
  readonly via: SecretMatch;
}

/** A device by its broker login (`<household>.<device>` and its password), as the broker checks it. */
export async function authenticateDevice(
  store: Pick<DeviceStore, 'device'>,
  username: string,
  password: string,
  now: Date,
): Promise<AuthenticatedDevice | undefined> {
  const id = parseDeviceUsername(username);
  const device = id && (await store.device(id.householdId, id.deviceId));
  const via = device ? matchSecret(device, password, now) : undefined;
  return device && via ? { device, via } : undefined;
}

/**
 * When the password the device used stops working: null while it is the
 * current secret (until rotated), the deadline when it is the previous one
 * (after the device's own rotation or an operator's): the device must
 * rotate before then.
 */
export function credentialsExpireAt(a: AuthenticatedDevice): Date | null {
  return a.via === 'previous' ? (a.device.previousSecret?.until ?? null) : null;
}

export interface RotationDeps {
  readonly store: Pick<DeviceStore, 'device' | 'devices' | 'rotateDeviceSecret'>;
  readonly now: () => Date;
  /** How long the replaced secret stays accepted after a device's own rotation. */
  readonly graceS: number;
}

/**
 * A device replaces its own secret. The one it authenticated with stays
 * accepted for the grace period, so its open connection and a restart
 * before it saved the new one keep working. Authenticated with the
 * previous secret (a lost answer, or an operator's rotation), it gets a new
 * one, but that previous one's deadline does not move: a leaked secret
 * cannot be kept alive by rotating with it.
 */
export async function rotateOwnSecret(
  deps: RotationDeps,
  a: AuthenticatedDevice,
): Promise<{ username: string; password: string; previousValidUntil: Date | null }> {
  const d = a.device;
  const now = deps.now();
  const password = newSecret();
  const previous =
    a.via === 'current'
      ? { hash: d.secretHash, until: new Date(now.getTime() + deps.graceS * 1000) }
      : (d.previousSecret ?? null);
  const ok = await deps.store.rotateDeviceSecret(d.householdId, d.id, {
    from: d.secretHash,
    to: sha256(password),
    previous: previous && previous.until > now ? previous : null,
  });
  if (!ok) throw new ApiError('conflict', 'The device credentials changed meanwhile; authenticate again');
  return {
    username: deviceUsername(d.householdId, d.id),
    password,
    previousValidUntil: previous && previous.until > now ? previous.until : null,
  };
}

export interface ForcedRotationDeps extends Omit<RotationDeps, 'graceS'> {
  readonly broker?: BrokerConnections | undefined;
  readonly log: Warnings;
}

/**
 * An operator rotates every device secret of a household: each gets a
 * random secret nobody knows. With graceS > 0 the old secret keeps working
 * until then, and each device, told so by GET /devices/self, rotates itself
 * with it (routine hygiene). With 0 (a leak) it stops now: open connections
 * are closed, the broker's auth cache refuses new logins within 60 s, and
 * the household must pair its devices again.
 */
export async function forceRotation(
  deps: ForcedRotationDeps,
  householdId: string,
  graceS: number,
): Promise<{ devices: number; validUntil: Date; connectionsClosed: number }> {
  const now = deps.now();
  const until = new Date(now.getTime() + graceS * 1000);
  let rotated = 0;
  let closed = 0;
  for (const listed of await deps.store.devices(householdId)) {
    // A device rotating itself at the same moment wins the compare-and-set: read it again and retry.
    let d: Device | undefined = listed;
    let ok = false;
    for (let attempt = 0; d && !ok && attempt < 3; attempt++) {
      ok = await deps.store.rotateDeviceSecret(householdId, d.id, {
        from: d.secretHash,
        to: sha256(newSecret()),
        previous: graceS > 0 ? { hash: d.secretHash, until } : null,
      });
      if (!ok) d = await deps.store.device(householdId, d.id);
    }
    if (!ok || !d) continue;
    rotated++;
    if (graceS > 0) continue;
    try {
      closed += (await deps.broker?.closeConnectionsOf(deviceUsername(householdId, d.id))) ?? 0;
    } catch (err) {
      deps.log.warn(
        { err, device: d.id },
        'could not close the connections of a device whose secret was revoked',
      );
    }
  }
  return { devices: rotated, validUntil: until, connectionsClosed: closed };
}
