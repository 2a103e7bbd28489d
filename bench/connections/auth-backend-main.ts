/**
 * The API's broker auth backend in a process of its own, as the broker
 * meets it in production: the real internal listener (api/src/broker/
 * internal-app.ts → core/devices/broker-auth.ts) over a SQLite accounts
 * store holding BENCH_DEVICES households with one Pi each. Every Pi gets a
 * fresh secret (stored hashed, as pairing does); the credentials go to
 * AUTH_CREDENTIALS_FILE for the fleet. GET /bench/counts (no key) answers
 * how many checks of each kind the broker asked, so the bench can tell
 * what the broker's auth cache saved.
 *
 * Households are created through the store, not the demo seed: the seed
 * hashes an owner password with argon2 per household (33 s per 1,000),
 * which has nothing to do with broker logins.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { buildInternalApp } from '@energy/api/broker/internal-app';
import { newSecret, sha256 } from '@energy/api/auth/secrets';
import { testDeps } from '@energy/api/test-support/test-deps';
import { SIMULATED_SOCKET_NAMES } from '@energy/lib/series';

const devices = Number(process.env.BENCH_DEVICES ?? 1000);
const port = Number(process.env.AUTH_PORT);
const secret = String(process.env.AUTH_SECRET);
const credentialsFile = String(process.env.AUTH_CREDENTIALS_FILE);
const prefix = process.env.AUTH_HOUSEHOLD_PREFIX ?? 'hc';

const deps = testDeps();
const creds: { householdId: string; deviceId: string; password: string }[] = [];
for (let i = 0; i < devices; i++) {
  const householdId = `${prefix}${String(i).padStart(6, '0')}`;
  const password = newSecret();
  await deps.store.createHousehold({ id: householdId, name: householdId, timeZone: 'UTC', currency: 'EUR' });
  await deps.store.createDevice({
    id: 'pi1',
    householdId,
    name: 'Raspberry Pi',
    secretHash: sha256(password),
    sockets: SIMULATED_SOCKET_NAMES.map((name, socket) => ({ socket, name, role: 'socket' as const })),
    createdAt: new Date(),
  });
  creds.push({ householdId, deviceId: 'pi1', password });
}
writeFileSync(credentialsFile, JSON.stringify(creds), { mode: 0o600 });

const counts: Record<string, number> = {};
const app = buildInternalApp(deps, secret).callback();
const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path === '/bench/counts') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(counts));
    return;
  }
  counts[path] = (counts[path] ?? 0) + 1;
  void app(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
