import { deviceUsername } from '@energy/lib/defaults';
import { ApiError } from '../../errors.js';
import type { DeviceStore } from '../../store/accounts-store.js';
import type { BrokerConnections } from '../households/household-deletion.js';
import type { Warnings } from '../households/warnings.js';

export interface RevocationDeps {
  readonly store: Pick<DeviceStore, 'deleteDevice'>;
  readonly broker?: BrokerConnections | undefined;
  readonly log: Warnings;
}

/**
 * Deletes the device, so the broker's auth backend refuses it, and closes
 * its open connections so it is cut off now rather than at its next login.
 * Closing is best effort: the auth cache still refuses it within its TTL.
 */
export async function revokeDevice(
  deps: RevocationDeps,
  householdId: string,
  deviceId: string,
): Promise<{ revoked: string; connectionsClosed: number }> {
  if (!(await deps.store.deleteDevice(householdId, deviceId))) throw new ApiError('not_found');
  let closed = 0;
  try {
    closed = (await deps.broker?.closeConnectionsOf(deviceUsername(householdId, deviceId))) ?? 0;
  } catch (err) {
    deps.log.warn({ err, device: deviceId }, 'could not close the revoked device connections');
  }
  return { revoked: deviceId, connectionsClosed: closed };
}
