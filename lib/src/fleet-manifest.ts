/**
 * The simulated fleet as the API seeded it: written by the API's seed
 * command, read by the exporter's fleet mode. The fleet publishes for every
 * listed device as the gateway principal, or (FLEET_MODE=devices) as each
 * device itself with the device's own broker password.
 */
export interface FleetManifest {
  readonly gateway: { readonly username: string; readonly password: string };
  readonly households: readonly FleetHousehold[];
}

export interface FleetHousehold {
  readonly householdId: string;
  readonly timeZone: string;
  readonly devices: readonly {
    readonly deviceId: string;
    readonly sockets: number;
    /** The device's own broker password (its hash is in the API's store), as pairing hands a Pi. */
    readonly password?: string;
  }[];
}

/** Gateway principals carry no dot, so they can never be taken for `<household>.<device>`. */
export const GATEWAY_PREFIX = 'gw-';

export function isGatewayUsername(username: string): boolean {
  return username.startsWith(GATEWAY_PREFIX) && !username.includes('.');
}
