/** The API calls the energy check makes as a household: register, add a device, declare a house meter, read energy. */
import type { Bucket } from '@energy/lib/local-time';

export interface Household {
  readonly apiUrl: string;
  readonly token: string;
  readonly id: string;
  readonly timeZone: string;
}

export interface DeviceLogin {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

export interface EnergyAnswer {
  buckets: {
    start: string;
    end: string;
    kwh: number;
    cost?: number;
    sockets: { device: string; socket: number; kwh: number; cost?: number }[];
    untracked?: { kwh: number } | null;
  }[];
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function registerHousehold(apiUrl: string, name: string, timeZone: string): Promise<Household> {
  const s = await json<{ accessToken: string; household: { id: string } }>(
    await fetch(`${apiUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `${name.replace(/[^a-z0-9]+/gi, '-')}-${process.pid}-${Date.now()}@example.com`,
        password: 'correct horse battery staple',
        householdName: name,
        timeZone,
        currency: 'EUR',
      }),
    }),
  );
  return { apiUrl, token: s.accessToken, id: s.household.id, timeZone };
}

function call(h: Household, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${h.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function addDevice(h: Household, name: string): Promise<DeviceLogin> {
  const d = await json<{ id: string; broker: { username: string; password: string } }>(
    await call(h, 'POST', '/api/v1/devices', { name }),
  );
  return { id: d.id, username: d.broker.username, password: d.broker.password };
}

export async function declareHouseMeter(h: Household, deviceId: string, socket: number): Promise<void> {
  await json(
    await call(h, 'PUT', `/api/v1/devices/${deviceId}/sockets/${socket}`, {
      name: 'House',
      role: 'house-meter',
    }),
  );
}

export async function energy(
  h: Household,
  bucket: Bucket,
  fromMs: number,
  toMs: number,
): Promise<EnergyAnswer> {
  const q = `bucket=${bucket}&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;
  return json<EnergyAnswer>(await call(h, 'GET', `/api/v1/readings/energy?${q}`));
}

/** Revokes a device (DELETE /api/v1/devices/:id): the broker refuses its login from then on. */
export async function revokeDevice(h: Household, deviceId: string): Promise<void> {
  await json(await call(h, 'DELETE', `/api/v1/devices/${deviceId}`));
}

/** Sets the household's tariff (PUT /api/v1/household/tariff). */
export async function setTariff(h: Household, tariff: unknown): Promise<void> {
  await json(await call(h, 'PUT', '/api/v1/household/tariff', tariff));
}

/** A Prometheus-compatible read through the API's `/prometheus`, as the household (Grafana's forwarded token). */
export async function prometheus<T>(h: Household, path: string, params: URLSearchParams): Promise<T> {
  const res = await fetch(`${h.apiUrl}/prometheus${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${h.token}` },
    body: params.toString(),
  });
  return (await json<{ data: T }>(res)).data;
}
