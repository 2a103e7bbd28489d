/**
 * One-shot job of the docker compose files: waits for the broker's
 * management API, then creates the collector's broker user.
 * Env: RABBITMQ_MANAGEMENT_URL, RABBITMQ_ADMIN_USER, RABBITMQ_ADMIN_PASSWORD, COLLECTOR_PASSWORD.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { field, loadConfigOrExit } from '@energy/lib/config';
import { ensureCollectorUser } from './broker-users.js';

const c = loadConfigOrExit({
  managementUrl: ['RABBITMQ_MANAGEMENT_URL', field.url('http://127.0.0.1:15672')],
  adminUser: ['RABBITMQ_ADMIN_USER', field.string()],
  adminPassword: ['RABBITMQ_ADMIN_PASSWORD', field.string()],
  collectorPassword: ['COLLECTOR_PASSWORD', field.string()],
});
const access = {
  managementUrl: c.managementUrl,
  admin: { username: c.adminUser, password: c.adminPassword },
};
const deadline = Date.now() + 180_000;
for (;;) {
  try {
    await ensureCollectorUser(access, c.collectorPassword);
    process.stdout.write('broker-init: collector user ready\n');
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      process.stderr.write(`broker-init: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    await sleep(2000);
  }
}
