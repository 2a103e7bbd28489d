import { ApiError } from '../../errors.js';
import type { DeviceStore } from '../../store/accounts-store.js';

/**
 * The broker usernames `<household>.<device>` a gateway principal may
 * publish for: broker auth checks a gateway's routing keys against them, and
 * the collector asks for them to check each message's routing key.
 */
export async function gatewayDevices(
  deps: { readonly store: Pick<DeviceStore, 'gateway'> },
  name: string,
): Promise<readonly string[]> {
  const g = await deps.store.gateway(name);
  if (!g) throw new ApiError('not_found');
  return g.devices;
}
