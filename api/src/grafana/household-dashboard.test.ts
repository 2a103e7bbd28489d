import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HouseholdForGrafana } from './grafana-provisioner.js';
import { householdDashboard, loadHouseholdDashboard, type Dashboard } from './household-dashboard.js';

const constant = (d: Dashboard, name: string): Record<string, unknown> | undefined =>
  (d.templating?.list as Record<string, unknown>[] | undefined)?.find((v) => v.name === name);

const HOME: HouseholdForGrafana = {
  id: 'abc123',
  name: 'Home',
  timeZone: 'Europe/London',
  currency: 'GBP',
  pricePerKwh: 0.2845,
  sockets: [{ device: 'plug-1', socket: 0, name: 'Fridge' }],
  members: [],
};

test('the household board from grafana/ is found and carries its uid', () => {
  assert.equal(loadHouseholdDashboard().uid, 'energy-household');
});

test('a household’s board: own uid, time zone, price, currency and socket names; the template is left as it was', () => {
  const base = loadHouseholdDashboard();
  const before = JSON.stringify(base);
  const d = householdDashboard({ ...base, id: 12, version: 4 }, HOME);
  assert.equal(d.uid, 'hh-abc123');
  assert.equal(d.timezone, 'Europe/London');
  assert.equal(constant(d, 'price_per_kwh')?.query, '0.2845');
  assert.deepEqual(constant(d, 'currency')?.current, { text: 'GBP', value: 'GBP' });
  assert.equal(d.id, undefined);
  assert.equal(d.version, undefined);
  const panels = d.panels as { type: string; fieldConfig?: { overrides: unknown[] } }[];
  for (const p of panels.filter((x) => x.fieldConfig))
    assert.deepEqual(p.fieldConfig?.overrides, [
      {
        matcher: { id: 'byName', options: 'plug-1 / 0' },
        properties: [{ id: 'displayName', value: 'Fridge' }],
      },
    ]);
  assert.equal(JSON.stringify(base), before);
});

test('a board without the constants is refused rather than uploaded with a wrong price', () => {
  assert.throws(() => householdDashboard({ uid: 'x', templating: { list: [] } }, HOME), /price_per_kwh/);
});
