import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../auth/secrets.js';
import {
  GrafanaError,
  GrafanaNotConfiguredError,
  NoGrafana,
  type GrafanaProvisioner,
  type HouseholdForGrafana,
} from '../../grafana/grafana-provisioner.js';
import type { ApiToken, Household } from '../../store/accounts-store.js';
import {
  GRAFANA_TOKEN_NAME,
  provisionGrafana,
  type GrafanaProvisioningDeps,
} from './grafana-provisioning.js';

const NOW = Date.parse('2026-12-01T23:30:00Z');
const HOME: Household = {
  id: 'h1',
  name: 'Home',
  timeZone: 'Europe/Berlin',
  currency: 'EUR',
  // 00:30 in Berlin: the night window's price is the one the board gets.
  tariff: {
    periods: [
      { from: '2020-01-01', pricePerKwh: 0.3, windows: [{ start: '22:00', end: '06:00', pricePerKwh: 0.2 }] },
    ],
  },
  createdAt: new Date(0),
};

function setup(grafana: GrafanaProvisioner) {
  const tokens: ApiToken[] = [
    { id: 'old', householdId: 'h1', name: GRAFANA_TOKEN_NAME, tokenHash: 'o', createdAt: new Date(0) },
    { id: 'script', householdId: 'h1', name: 'my script', tokenHash: 's', createdAt: new Date(0) },
  ];
  const deps: GrafanaProvisioningDeps = {
    store: {
      householdById: (id) => Promise.resolve(id === HOME.id ? HOME : undefined),
      apiTokens: (hh) => Promise.resolve(tokens.filter((t) => t.householdId === hh)),
      createApiToken: (t) => {
        tokens.push(t);
        return Promise.resolve();
      },
      deleteApiToken: (hh, id) => {
        const i = tokens.findIndex((t) => t.householdId === hh && t.id === id);
        if (i >= 0) tokens.splice(i, 1);
        return Promise.resolve(i >= 0);
      },
    },
    grafana,
    log: { warn: () => {} },
    now: () => new Date(NOW),
  };
  return { deps, tokens };
}

function grafanaThat(fail?: GrafanaError) {
  const seen: { h: HouseholdForGrafana; token: string }[] = [];
  const g: GrafanaProvisioner = {
    configured: true,
    provisionHousehold: (h, token) => {
      seen.push({ h, token });
      return fail
        ? Promise.reject(fail)
        : Promise.resolve({ url: 'http://g/d/x', orgId: 3, dashboardUid: 'x' });
    },
    deleteHousehold: () => Promise.resolve({ deleted: false }),
  };
  return { g, seen };
}

test('Grafana gets a fresh token and the current price; the previous grafana token goes only afterwards', async () => {
  const { g, seen } = grafanaThat();
  const { deps, tokens } = setup(g);
  assert.deepEqual(await provisionGrafana(deps, 'h1'), { url: 'http://g/d/x', orgId: 3, dashboardUid: 'x' });
  assert.equal(seen[0]?.h.pricePerKwh, 0.2);
  assert.equal(seen[0]?.h.currency, 'EUR');
  // The script's token is not Grafana's business; the old grafana token is gone.
  assert.deepEqual(
    tokens.map((t) => t.id).filter((id) => id === 'old' || id === 'script'),
    ['script'],
  );
  assert.equal(tokens.filter((t) => t.name === GRAFANA_TOKEN_NAME).length, 1);
  assert.equal(tokens.find((t) => t.name === GRAFANA_TOKEN_NAME)?.tokenHash, sha256(seen[0]?.token ?? ''));
});

test('a failed provisioning revokes the new token and keeps the one Grafana still holds', async () => {
  const { g } = grafanaThat(new GrafanaError('Grafana answered 503', true, 503));
  const { deps, tokens } = setup(g);
  await assert.rejects(provisionGrafana(deps, 'h1'), (e: unknown) => e instanceof GrafanaError);
  assert.deepEqual(tokens.map((t) => t.id).sort(), ['old', 'script']);
});

test('without Grafana nothing is made', async () => {
  const { deps, tokens } = setup(new NoGrafana());
  await assert.rejects(provisionGrafana(deps, 'h1'), (e: unknown) => e instanceof GrafanaNotConfiguredError);
  assert.equal(tokens.length, 2);
});
