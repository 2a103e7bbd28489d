import { parseDeviceUsername } from '@energy/lib/defaults';
import { isGatewayUsername } from '@energy/lib/fleet-manifest';
import type { Rejection } from './reject-reason.js';

export interface Identity {
  readonly household: string;
  readonly device: string;
}

export type IdentityResult =
  { readonly ok: true; readonly identity: Identity } | ({ readonly ok: false } & Rejection);

/**
 * The port to the API's answer to "which devices may this gateway publish
 * for" (the adapter is api-client/gateway-device-lister.ts). Rejects when
 * the API cannot be asked; an unknown gateway lists nobody.
 */
export type GatewayDeviceLister = (gateway: string) => Promise<readonly string[]>;

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
