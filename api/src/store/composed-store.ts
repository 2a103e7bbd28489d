import type { AccountStore } from './ports/account-store.js';
import type { DeviceStore } from './ports/device-store.js';
import type { HouseholdStore } from './ports/household-store.js';
import type { NotificationStore } from './ports/notification-store.js';
import type { OidcStore } from './ports/oidc-store.js';
import type { RecordStores } from './accounts-store.js';

/**
 * Makes `target` answer every method of each part by calling that part.
 * Throws when a name is answered twice (by two parts, or by the target
 * itself): the intersection type of the ports would silently let one win.
 */
export function bindParts(target: object, parts: readonly object[]): void {
  const own = target as Record<string, unknown>;
  for (const part of parts) {
    const methods = part as Record<string, unknown>;
    for (const name of methodNames(part)) {
      if (name in target) throw new Error(`store method ${name} is answered twice`);
      const method = methods[name] as (...args: unknown[]) => unknown;
      own[name] = method.bind(part);
    }
  }
}

/** The functions of an object: its own and its class's, not Object's. */
function methodNames(part: object): Set<string> {
  const names = new Set<string>();
  for (
    let p: object | null = part;
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  )
    for (const name of Object.getOwnPropertyNames(p))
      if (name !== 'constructor' && typeof (part as Record<string, unknown>)[name] === 'function')
        names.add(name);
  return names;
}

export type RecordStoreParts = readonly [
  AccountStore,
  HouseholdStore,
  DeviceStore,
  NotificationStore,
  OidcStore,
];

/**
 * Base class of each adapter's AccountsStore: one object per record kind over
 * the shared connection, composed here once instead of forty one-line
 * delegations per adapter. The subclass adds what spans kinds (`kind`,
 * `close`, `ping`, `deleteHousehold`).
 */
export const ComposedStore = class {
  constructor(parts: RecordStoreParts) {
    bindParts(this, parts);
  }
} as unknown as new (parts: RecordStoreParts) => RecordStores;
