import { parseDeviceUsername } from '@energy/lib/defaults';
import { isGatewayUsername } from '@energy/lib/fleet-manifest';
import type { Rejection } from './reject-reason.js';

export interface Identity {
  readonly household: string;
  readonly device: string;
}

export type IdentityResult =
  { readonly ok: true; readonly identity: Identity } | ({ readonly ok: false } & Rejection);

/** Asks the API which devices a gateway may publish for (its internal listener). */
export type GatewayDeviceLister = (gateway: string) => Promise<readonly string[]>;

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

interface CacheEntry {
  readonly devices: ReadonlySet<string>;
  readonly fetchedAt: number;
}

/**
 * Household and device come from the broker-verified `userId` and the
 * routing key, never from the payload (DESIGN.md, wire and identity).
 */
export class IdentityResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(
    private readonly listGatewayDevices: GatewayDeviceLister,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Device: userId must equal the routing key. Gateway: the routing key must
   * be one of its devices. Throws only when the API cannot be asked (a
   * retryable condition, not the message's fault).
   */
  resolve(userId: string | undefined, routingKey: string): IdentityResult | Promise<IdentityResult> {
    if (userId === undefined || userId === '') {
      return {
        ok: false,
        reason: 'missing_user_id',
        detail: `routing key ${routingKey}: no user_id property`,
      };
    }
    const target = parseDeviceUsername(routingKey);
    if (target === undefined) {
      return {
        ok: false,
        reason: 'bad_routing_key',
        detail: `routing key ${routingKey} is not <household>.<device>`,
      };
    }
    const identity = { household: target.householdId, device: target.deviceId };
    if (isGatewayUsername(userId)) return this.resolveGateway(userId, routingKey, identity);
    if (userId !== routingKey) {
      return {
        ok: false,
        reason: 'user_id_mismatch',
        detail: `user_id ${userId} published for ${routingKey}`,
      };
    }
    return { ok: true, identity };
  }

  private async resolveGateway(
    gateway: string,
    routingKey: string,
    identity: Identity,
  ): Promise<IdentityResult> {
    const entry = await this.devicesOf(gateway);
    if (!entry.devices.has(routingKey)) {
      return {
        ok: false,
        reason: 'gateway_device_not_listed',
        detail: `gateway ${gateway} may not publish for ${routingKey}`,
      };
    }
    return { ok: true, identity };
  }

  private async devicesOf(gateway: string): Promise<CacheEntry> {
    const cached = this.cache.get(gateway);
    if (cached !== undefined && this.now() - cached.fetchedAt < this.ttlMs) return cached;
    let pending = this.inflight.get(gateway);
    if (pending === undefined) {
      pending = this.listGatewayDevices(gateway)
        .then((devices) => {
          const entry = { devices: new Set(devices), fetchedAt: this.now() };
          this.cache.set(gateway, entry);
          return entry;
        })
        .finally(() => this.inflight.delete(gateway));
      this.inflight.set(gateway, pending);
    }
    return pending;
  }
}
