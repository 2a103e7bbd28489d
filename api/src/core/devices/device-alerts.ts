import { ApiError } from '../../errors.js';
import type { DeviceStore } from '../../store/accounts-store.js';

/** A device's alert settings, read by the alert intake (core/notifications). */
export interface DeviceAlertSettings {
  /** No notifications for the device until then. */
  readonly muteUntil: Date | null;
  /** An offline alert younger than this is not news yet. */
  readonly offlineGraceMinutes: number | null;
}

/** The longest grace a household may set: a week. */
export const MAX_OFFLINE_GRACE_MINUTES = 10_080;

export async function setDeviceAlerts(
  deps: { readonly store: Pick<DeviceStore, 'setDeviceAlerts'> },
  householdId: string,
  deviceId: string,
  a: DeviceAlertSettings,
): Promise<DeviceAlertSettings> {
  if (!(await deps.store.setDeviceAlerts(householdId, deviceId, a))) throw new ApiError('not_found');
  return a;
}
