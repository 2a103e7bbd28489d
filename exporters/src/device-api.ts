/**
 * The API as a device sees it: its broker login (HTTP Basic) is its
 * credential. GET /api/v1/devices/self says when that login expires and
 * which ReadingBatch version the platform takes; POST
 * /api/v1/devices/self/credentials rotates the password.
 */
export interface DeviceSelf {
  readonly id: string;
  readonly householdId: string;
  readonly name: string;
  readonly credentials: { readonly expiresAt: string | null };
  readonly protocol: { readonly readingBatch: { readonly maxVersion: number } };
}

export class DeviceApiError extends Error {
  override name = 'DeviceApiError';
  constructor(
    message: string,
    /** The HTTP status; 0: no answer. */
    readonly status: number,
  ) {
    super(message);
  }
}

export interface DeviceLogin {
  readonly apiUrl: string;
  readonly username: string;
  readonly password: string;
}

async function call(login: DeviceLogin, method: string, path: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, login.apiUrl), {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new DeviceApiError(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, 0);
  }
  const text = await res.text();
  if (!res.ok)
    throw new DeviceApiError(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`, res.status);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DeviceApiError(`${method} ${path} answered a body that is not JSON`, res.status);
  }
}

export async function fetchSelf(login: DeviceLogin, timeoutMs = 10_000): Promise<DeviceSelf> {
  const b = (await call(login, 'GET', '/api/v1/devices/self', timeoutMs)) as DeviceSelf | null;
  if (typeof b?.protocol?.readingBatch?.maxVersion !== 'number' || b.credentials === undefined)
    throw new DeviceApiError('GET /api/v1/devices/self answered without protocol and credentials', 200);
  return b;
}

/** A new password for this device; the one used here stays accepted for the API's grace period. */
export async function rotatePassword(login: DeviceLogin, timeoutMs = 10_000): Promise<string> {
  const b = (await call(login, 'POST', '/api/v1/devices/self/credentials', timeoutMs)) as {
    broker?: { username?: unknown; password?: unknown };
  } | null;
  const password = b?.broker?.password;
  if (typeof password !== 'string' || password.length === 0 || b?.broker?.username !== login.username)
    throw new DeviceApiError('the rotation answered without a new password for this device', 201);
  return password;
}
