import { READINGS_EXCHANGE, parseDeviceUsername } from '@energy/lib/defaults';
import { isGatewayUsername } from '@energy/lib/fleet-manifest';
import { sameHash, sha256 } from '../../auth/secrets.js';
import type { DeviceStore } from '../../store/accounts-store.js';
import { matchSecret } from './credential-rotation.js';

/** What broker auth reads: devices and gateways, nothing else. */
export type PrincipalStore = Pick<DeviceStore, 'device' | 'gateway'>;

export type Decision = 'allow' | 'deny';

/**
 * RabbitMQ's HTTP auth backend decisions, as pure functions of the store
 * (broker/internal-app.ts parses the backend's forms and answers).
 * Devices (`<household>.<device>`) and gateways (`gw-…`) may do exactly one
 * thing: write to the readings exchange, a device with its own routing key,
 * a gateway with the routing keys of the devices it carries. No configure,
 * no read, no other exchange.
 */
export class BrokerAuth {
  constructor(
    private readonly store: PrincipalStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async principalExists(username: string): Promise<boolean> {
    if (isGatewayUsername(username)) return (await this.store.gateway(username)) !== undefined;
    const id = parseDeviceUsername(username);
    return id !== undefined && (await this.store.device(id.householdId, id.deviceId)) !== undefined;
  }

  async user(username: string, password: string): Promise<Decision> {
    if (password.length === 0 || password.length > 512) return 'deny';
    if (isGatewayUsername(username)) {
      const g = await this.store.gateway(username);
      return g && sameHash(g.passwordHash, sha256(password)) ? 'allow' : 'deny';
    }
    const id = parseDeviceUsername(username);
    if (!id) return 'deny';
    const d = await this.store.device(id.householdId, id.deviceId);
    // The previous secret too, until its deadline: a device that rotated may still log in with it.
    return d && matchSecret(d, password, this.now()) !== undefined ? 'allow' : 'deny';
  }

  async vhost(username: string): Promise<Decision> {
    return (await this.principalExists(username)) ? 'allow' : 'deny';
  }

  async resource(username: string, resource: string, name: string, permission: string): Promise<Decision> {
    if (resource !== 'exchange' || name !== READINGS_EXCHANGE || permission !== 'write') return 'deny';
    return (await this.principalExists(username)) ? 'allow' : 'deny';
  }

  async topic(username: string, name: string, permission: string, routingKey: string): Promise<Decision> {
    if (name !== READINGS_EXCHANGE || permission !== 'write') return 'deny';
    if (isGatewayUsername(username)) {
      const g = await this.store.gateway(username);
      return g?.devices.includes(routingKey) ? 'allow' : 'deny';
    }
    if (routingKey !== username) return 'deny';
    return (await this.principalExists(username)) ? 'allow' : 'deny';
  }
}
