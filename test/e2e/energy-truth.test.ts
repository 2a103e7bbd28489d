/*
 * Every kilowatt-hour right, small: one household's four local hours over the
 * 25-hour day in Europe/Berlin, with the exporter down three minutes in the
 * repeated 02:xx hour, published as the device through the real broker
 * (lib/src/testkit's RabbitMQ and VictoriaMetrics, the API and the collector
 * as processes); the API's kWh per socket per hour and for the day equal the
 * simulator's truth within 0.1 %; and a new device whose first minute
 * VictoriaMetrics' increase() would drop as a new series' first value, revoked
 * after an hour, counted whole; and the household board's daily kWh and cost
 * (written back by the API once the day is final) equal the API's. The full
 * run is npm run verify:energy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BOARD_DAILY } from '@energy/bench/verify-energy/board-event.js';
import { DST_RESTART_HOURS } from '@energy/bench/verify-energy/events.js';
import { firstAndLastMinute } from '@energy/bench/verify-energy/first-last-event.js';
import { runEvents } from '@energy/bench/verify-energy/run.js';
import { startEnergyStack, type EnergyStack } from '@energy/bench/verify-energy/stack.js';

let stack: EnergyStack;

before(async () => {
  stack = await startEnergyStack();
});

after(async () => {
  await stack?.stop();
});

test('kWh per socket per hour and per day equal the truth across the 25-hour day and an exporter restart', async () => {
  const { rows, missing } = await runEvents(stack, [DST_RESTART_HOURS]);
  assert.deepEqual(missing, [], 'every sample sent is stored');
  const hours = new Set(rows.filter((r) => r.bucket === 'hour').map((r) => r.start));
  assert.equal(hours.size, 5, 'midnight to 04:00 on 2026-10-25 is five hours in Berlin');
  assert.ok(
    rows.some((r) => r.truthKwh > 0.01),
    'the household used energy',
  );
  const worst = rows.reduce((w, r) => (r.deviationPct > w.deviationPct ? r : w));
  assert.ok(worst.deviationPct <= 0.1, `worst ${JSON.stringify(worst)}`);
});

test("a new device's first minute (one a new series would lose) and its last before revocation count", async () => {
  const { rows, missing, failures } = await runEvents(stack, [
    firstAndLastMinute('first minute ever, last before revocation (1 h)', 1, false),
  ]);
  assert.deepEqual(missing, [], 'every sample sent is stored');
  assert.deepEqual(failures, []);
  const worst = rows.reduce((w, r) => (r.deviationPct > w.deviationPct ? r : w));
  assert.ok(worst.truthKwh > 0, 'the device used energy');
  assert.ok(worst.deviationPct <= 0.1, `worst ${JSON.stringify(worst)}`);
});

test("the household board's daily kWh and cost, read as its panels read them, equal the API's", async () => {
  const { rows, failures } = await runEvents(stack, [BOARD_DAILY]);
  assert.deepEqual(failures, []);
  assert.equal(rows.length, 8, 'every socket of the day compared');
  assert.ok(
    rows.some((r) => r.truthKwh > 0.01),
    'the household used energy',
  );
  for (const r of rows) assert.equal(r.apiKwh, r.truthKwh, `socket ${r.socket}: the board against the API`);
});
