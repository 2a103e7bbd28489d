import type { Context, Next } from 'koa';
import { authenticateDevice, type AuthenticatedDevice } from '../core/devices/credential-rotation.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';

/**
 * A Pi has no account: it authenticates with its broker login (HTTP Basic,
 * `<household>.<device>` and its password), the current secret or the
 * previous one before its deadline, exactly as the broker would let it in.
 */
export function requireDevice(deps: AppDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const h = ctx.get('authorization');
    if (!h.startsWith('Basic '))
      throw new ApiError('unauthenticated', 'A device authenticates with its broker login (HTTP Basic)');
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const a =
      colon > 0
        ? await authenticateDevice(
            deps.store,
            decoded.slice(0, colon),
            decoded.slice(colon + 1),
            deps.now?.() ?? new Date(),
          )
        : undefined;
    if (!a)
      throw new ApiError(
        'invalid_credentials',
        'The device login is wrong, revoked or expired: pair the device again',
      );
    ctx.state.device = a;
    await next();
  };
}

export function deviceOfRequest(ctx: Context): AuthenticatedDevice {
  return ctx.state.device as AuthenticatedDevice;
}
