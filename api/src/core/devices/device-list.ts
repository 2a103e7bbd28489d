import { ApiError } from '../../errors.js';
import type { Device, DeviceStore } from '../../store/accounts-store.js';

/** When each device of a household last reported, by device id (the readings side answers it). */
export type LastSeen = (householdId: string) => Promise<ReadonlyMap<string, Date>>;

export interface ListedDevice {
  readonly device: Device;
  readonly lastSeen: Date | null;
}

/** The household's devices with their last report; lastSeen is a nicety that may be missing. */
export async function listDevices(
  deps: { readonly store: Pick<DeviceStore, 'devices'>; readonly lastSeen: LastSeen },
  householdId: string,
): Promise<ListedDevice[]> {
  const list = await deps.store.devices(householdId);
  let seen: ReadonlyMap<string, Date> = new Map();
  try {
    seen = await deps.lastSeen(householdId);
  } catch {
    // A slow or absent time-series store must not hide the device list.
  }
  return list.map((device) => ({ device, lastSeen: seen.get(device.id) ?? null }));
}

export async function deviceOf(
  deps: { readonly store: Pick<DeviceStore, 'device'> },
  householdId: string,
  deviceId: string,
): Promise<Device> {
  const d = await deps.store.device(householdId, deviceId);
  if (!d) throw new ApiError('not_found');
  return d;
}
