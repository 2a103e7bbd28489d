/** The platform's default addresses (DESIGN.md); every one can be moved by its variable. */
export const DEFAULT_PORTS = {
  api: 8080,
  brokerAuth: 8081,
  victoriaMetrics: 8428,
  amqp: 5672,
  rabbitmqManagement: 15672,
  rabbitmqPrometheus: 15692,
  collectorMetrics: 9464,
  exporterMetrics: 9180,
  monitoringVictoriaMetrics: 8430,
  vmagent: 8429,
  vmalertOperators: 8880,
  vmalertHouseholds: 8881,
  alertmanager: 9093,
} as const;

export const READINGS_EXCHANGE = 'energy.readings';
export const HOST = '127.0.0.1';

/** Broker username of a device: `<householdId>.<deviceId>` (DESIGN.md, wire and identity). */
export function deviceUsername(householdId: string, deviceId: string): string {
  return `${householdId}.${deviceId}`;
}

export interface DeviceIdentity {
  readonly householdId: string;
  readonly deviceId: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses `<householdId>.<deviceId>`; undefined when it is not one. */
export function parseDeviceUsername(username: string): DeviceIdentity | undefined {
  const dot = username.indexOf('.');
  if (dot < 0) return undefined;
  const householdId = username.slice(0, dot);
  const deviceId = username.slice(dot + 1);
  if (!ID.test(householdId) || !ID.test(deviceId)) return undefined;
  return { householdId, deviceId };
}
