#!/usr/bin/env node
/** The seed command (dist/seed.js): see fleet-seed.ts. Prints the portal line on stdout. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { field, loadConfigOrExit } from '@energy/lib/config';
import { DEFAULT_PORTS } from '@energy/lib/defaults';
import { DEMO_EMAIL, demoPassword, seed } from './fleet-seed.js';
import { openStore } from './store/open-store.js';

async function main(): Promise<void> {
  const c = loadConfigOrExit({
    stateDir: ['STATE_DIR', field.string()],
    demoPassword: ['DEMO_PASSWORD', field.optionalString()],
    households: ['FLEET_HOUSEHOLDS', field.int(50, 1, 100_000)],
    apiPort: ['API_PORT', field.port(DEFAULT_PORTS.api)],
    mongodbUri: ['MONGODB_URI', field.optionalString()],
  });
  mkdirSync(c.stateDir, { recursive: true });
  const password = demoPassword(c.stateDir, c.demoPassword);
  const store = await openStore({ mongodbUri: c.mongodbUri, stateDir: c.stateDir });
  try {
    const m = await seed(store, { stateDir: c.stateDir, demoPassword: password, households: c.households });
    process.stderr.write(
      `seeded ${m.households.length} households, gateway ${m.gateway.username}, ${join(c.stateDir, 'fleet.json')}\n`,
    );
    process.stdout.write(`Portal: http://127.0.0.1:${c.apiPort}  login: ${DEMO_EMAIL} / ${password}\n`);
  } finally {
    await store.close();
  }
}

await main();
