import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrafanaError } from '../../grafana/grafana-provisioner.js';
import type { Device } from '../../store/accounts-store.js';
import { deleteHousehold, type HouseholdDeletionDeps } from './household-deletion.js';

const pi = (id: string): Device => ({
  id,
  householdId: 'h1',
  name: id,
  secretHash: 'x',
  sockets: [],
  muteUntil: null,
  offlineGraceMinutes: null,
  createdAt: new Date(0),
});

/** Records every call in order; `fail` makes one step throw. */
function recording(o: { grafanaConfigured?: boolean; fail?: 'series' | 'grafana' | 'broker' } = {}) {
  const calls: string[] = [];
  const warnings: string[] = [];
  const deps: HouseholdDeletionDeps = {
    store: {
      devices: (hh) => Promise.resolve([pi('pi1'), pi('pi2')].filter((d) => d.householdId === hh)),
      deleteHousehold: (hh) => {
        calls.push(`store ${hh}`);
        return Promise.resolve({ users: 2, devices: 2, apiTokens: 1 });
      },
    },
    series: {
      deleteHousehold: (hh) => {
        calls.push(`series ${hh}`);
        return o.fail === 'series' ? Promise.reject(new Error('store down')) : Promise.resolve();
      },
    },
    grafana: {
      configured: o.grafanaConfigured ?? true,
      deleteHousehold: (hh) => {
        calls.push(`grafana ${hh}`);
        return o.fail === 'grafana'
          ? Promise.reject(new GrafanaError('Grafana answered 503', true, 503))
          : Promise.resolve({ deleted: true });
      },
    },
    broker: {
      closeConnectionsOf: (u) => {
        calls.push(`broker ${u}`);
        return o.fail === 'broker' ? Promise.reject(new Error('management API down')) : Promise.resolve(1);
      },
    },
    log: { warn: (_f, m) => warnings.push(m) },
  };
  return { deps, calls, warnings };
}

test('deletion removes series, then queues the removal of the Grafana objects, then the records, then cuts the devices off', async () => {
  const { deps, calls } = recording();
  assert.deepEqual(await deleteHousehold(deps, 'h1'), {
    household: 'h1',
    users: 2,
    devices: 2,
    apiTokens: 1,
    series: true,
    grafana: 'queued',
  });
  assert.deepEqual(calls, ['series h1', 'grafana h1', 'store h1', 'broker h1.pi1', 'broker h1.pi2']);
});

test('without Grafana nothing is asked of it; a broker that cannot close connections does not stop a deletion', async () => {
  const { deps, calls } = recording({ grafanaConfigured: false, fail: 'broker' });
  const r = await deleteHousehold(deps, 'h1');
  assert.equal(r.grafana, 'none provisioned');
  assert.deepEqual(calls, ['series h1', 'store h1', 'broker h1.pi1', 'broker h1.pi2']);
});

test('a failed series deletion or Grafana leaves the household whole, so the owner can retry', async () => {
  const series = recording({ fail: 'series' });
  await assert.rejects(deleteHousehold(series.deps, 'h1'), /store down/);
  assert.deepEqual(series.calls, ['series h1']);

  const grafana = recording({ fail: 'grafana' });
  await assert.rejects(deleteHousehold(grafana.deps, 'h1'), (e: unknown) => e instanceof GrafanaError);
  assert.deepEqual(grafana.calls, ['series h1', 'grafana h1']);
  assert.deepEqual(grafana.warnings, ['the removal of the household’s Grafana objects was not queued']);
});
