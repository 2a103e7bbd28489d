import { ApiError } from '../../errors.js';
import type { DeviceStore, SocketInfo, SocketRole } from '../../store/accounts-store.js';

/**
 * A socket measures one appliance; a house meter measures the whole house,
 * so the standby view can tell what no socket accounts for.
 */
export const SOCKET_ROLES: readonly SocketRole[] = ['socket', 'house-meter'];
export const MAX_SOCKET = 255;

/** A socket number from a path, 0 to 255 (a byte on the wire). */
export function parseSocketNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > MAX_SOCKET)
    throw new ApiError('validation_failed', `The socket number must be 0 to ${MAX_SOCKET}`);
  return n;
}

/** Names a socket of one of the household's devices and says what it measures (a socket unless told). */
export async function nameSocket(
  deps: { readonly store: Pick<DeviceStore, 'setSocket'> },
  householdId: string,
  deviceId: string,
  socket: number,
  s: { name: string; role?: SocketRole | undefined },
): Promise<SocketInfo> {
  const info: SocketInfo = { socket, name: s.name, role: s.role ?? 'socket' };
  if (!(await deps.store.setSocket(householdId, deviceId, info))) throw new ApiError('not_found');
  return info;
}
