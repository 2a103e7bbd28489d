import type { GatewayDeviceLister } from '../core/identity.js';

/** Asks the API's internal listener which devices a gateway may publish for. */
export function httpGatewayDeviceLister(internalApiUrl: string, secret: string): GatewayDeviceLister {
  const base = internalApiUrl.replace(/\/$/, '');
  return async (gateway) => {
    const url = `${base}/internal/gateways/${encodeURIComponent(gateway)}/devices?key=${encodeURIComponent(secret)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (res.status === 404) {
      await res.arrayBuffer();
      return []; // an unknown gateway may publish for nobody
    }
    if (!res.ok) {
      await res.arrayBuffer();
      throw new Error(`gateway device list for ${gateway}: HTTP ${res.status}`);
    }
    const body = (await res.json()) as { devices?: unknown };
    if (!Array.isArray(body.devices)) throw new Error(`gateway device list for ${gateway}: no devices array`);
    return body.devices.filter((d): d is string => typeof d === 'string');
  };
}
