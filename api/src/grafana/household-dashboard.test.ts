import { test } from 'node:test';
import assert from 'node:assert/strict';
import { householdDashboard, loadHouseholdDashboard, type Dashboard } from './household-dashboard.js';

const constant = (d: Dashboard, name: string): Record<string, unknown> | undefined =>
  (d.templating?.list as Record<string, unknown>[] | undefined)?.find((v) => v.name === name);

test('the household board from grafana/ is found and carries its uid', () => {
  assert.equal(loadHouseholdDashboard().uid, 'energy-household');
});

test('the board for a household has its price and currency; the loaded board is left as it was', () => {
  const base = loadHouseholdDashboard();
  const before = JSON.stringify(base);
  const d = householdDashboard({ ...base, id: 12 }, 0.2845, 'GBP');
  assert.equal(constant(d, 'price_per_kwh')?.query, '0.2845');
  assert.deepEqual(constant(d, 'currency')?.current, { text: 'GBP', value: 'GBP' });
  assert.equal(d.id, undefined);
  assert.equal(JSON.stringify(base), before);
});

test('a board without the constants is refused rather than uploaded with a wrong price', () => {
  assert.throws(() => householdDashboard({ uid: 'x', templating: { list: [] } }, 1, 'EUR'), /price_per_kwh/);
});
