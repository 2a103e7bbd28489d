/**
 * Seeds the demo: demo@example.com owning household 1, FLEET_HOUSEHOLDS
 * households in all (each its own owner, varied zones and currencies, one Pi
 * with 30 named sockets and its own broker password), the gateway principal
 * `gw-fleet` carrying all their devices, and $STATE_DIR/fleet.json for the
 * exporter's fleet mode (as the gateway, or each device as itself).
 * Idempotent: a rerun keeps data, resets the demo password, and reuses the
 * gateway password.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceUsername } from '@energy/lib/defaults';
import type { FleetHousehold, FleetManifest } from '@energy/lib/fleet-manifest';
import { SIMULATED_SOCKET_NAMES } from '@energy/lib/series';
import { hashPassword } from './auth/passwords.js';
import { newSecret, sha256 } from './auth/secrets.js';
import { createOwner } from './core/accounts/registration.js';
import type { AccountsStore } from './store/accounts-store.js';
import type { Tariff } from './core/readings/tariff.js';

export const DEMO_EMAIL = 'demo@example.com';
export const GATEWAY = 'gw-fleet';
export const DEVICE_ID = 'pi1';

const ZONES: readonly [string, string, number][] = [
  ['Europe/Berlin', 'EUR', 0.32],
  ['Europe/London', 'GBP', 0.27],
  ['America/New_York', 'USD', 0.18],
  ['Asia/Tokyo', 'JPY', 31],
  ['Australia/Sydney', 'AUD', 0.33],
  ['Asia/Kolkata', 'INR', 8],
  ['America/Sao_Paulo', 'BRL', 0.9],
  ['Europe/Zurich', 'CHF', 0.29],
  ['America/Los_Angeles', 'USD', 0.31],
  ['Africa/Johannesburg', 'ZAR', 3.1],
  ['Europe/Stockholm', 'SEK', 2.2],
  ['Asia/Kathmandu', 'NPR', 14],
];

export function householdId(i: number): string {
  return `hh${String(i).padStart(4, '0')}`;
}

function tariffFor(i: number, price: number): Tariff {
  // Every third household has a cheaper night; the others a flat price.
  if (i % 3 === 0) {
    return {
      periods: [
        {
          from: '2020-01-01',
          pricePerKwh: price,
          windows: [{ start: '22:00', end: '06:00', pricePerKwh: Math.round(price * 60) / 100 }],
        },
      ],
    };
  }
  return { periods: [{ from: '2020-01-01', pricePerKwh: price }] };
}

export interface SeedOptions {
  readonly stateDir: string;
  readonly demoPassword: string;
  readonly households: number;
}

export async function seed(store: AccountsStore, o: SeedOptions): Promise<FleetManifest> {
  const manifestFile = join(o.stateDir, 'fleet.json');
  const previous = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as FleetManifest)
    : undefined;
  const gatewayPassword = previous?.gateway.username === GATEWAY ? previous.gateway.password : newSecret();
  const households: FleetHousehold[] = [];
  for (let i = 1; i <= o.households; i++) {
    const id = householdId(i);
    const [timeZone, currency, price] = ZONES[(i - 1) % ZONES.length] ?? ['UTC', 'EUR', 0.3];
    if (!(await store.householdById(id))) {
      await createOwner(store, {
        householdId: id,
        email: i === 1 ? DEMO_EMAIL : `owner-${id}@example.com`,
        // Fleet owners other than the demo never log in; their password is thrown away.
        password: i === 1 ? o.demoPassword : newSecret(),
        householdName: i === 1 ? 'Demo home' : `Household ${i}`,
        timeZone,
        currency,
      });
      await store.updateHousehold(id, { tariff: tariffFor(i, price) });
    }
    // The device's own broker password, for the fleet's per-device mode; kept across reruns.
    const kept = previous?.households.find((h) => h.householdId === id)?.devices[0]?.password;
    const password = kept ?? newSecret();
    if (!(await store.device(id, DEVICE_ID))) {
      await store.createDevice({
        id: DEVICE_ID,
        householdId: id,
        name: 'Raspberry Pi',
        secretHash: sha256(password),
        sockets: SIMULATED_SOCKET_NAMES.map((name, socket) => ({ socket, name, role: 'socket' as const })),
        createdAt: new Date(),
      });
    } else if (kept === undefined) {
      // Seeded before devices had passwords in the manifest: give it one now.
      await store.setDeviceSecretHash(id, DEVICE_ID, sha256(password));
    }
    households.push({
      householdId: id,
      timeZone,
      devices: [{ deviceId: DEVICE_ID, sockets: SIMULATED_SOCKET_NAMES.length, password }],
    });
  }
  const demo = await store.userByEmail(DEMO_EMAIL);
  if (demo) await store.setPasswordHash(demo.id, await hashPassword(o.demoPassword));
  await store.upsertGateway({
    name: GATEWAY,
    passwordHash: sha256(gatewayPassword),
    devices: households.flatMap((h) => h.devices.map((d) => deviceUsername(h.householdId, d.deviceId))),
  });
  const manifest: FleetManifest = { gateway: { username: GATEWAY, password: gatewayPassword }, households };
  writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${manifestFile}.tmp`, manifestFile);
  return manifest;
}

/** DEMO_PASSWORD, else the one generated on an earlier run, else a new one (kept in STATE_DIR). */
export function demoPassword(stateDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(stateDir, 'demo-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const p = newSecret().slice(0, 16);
  writeFileSync(file, `${p}\n`, { mode: 0o600 });
  return p;
}
