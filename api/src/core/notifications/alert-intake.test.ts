import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Device, Notification } from '../../store/accounts-store.js';
import {
  takeAlerts,
  type AlertIntakeDeps,
  type AlertmanagerAlert,
  type AlertOutcome,
} from './alert-intake.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const minutesAgo = (m: number): string => new Date(NOW - m * 60_000).toISOString();

function device(id: string, a: Partial<Pick<Device, 'muteUntil' | 'offlineGraceMinutes'>> = {}): Device {
  return {
    id,
    householdId: 'h1',
    name: id,
    secretHash: 'x',
    sockets: [],
    muteUntil: a.muteUntil ?? null,
    offlineGraceMinutes: a.offlineGraceMinutes ?? null,
    createdAt: new Date(0),
  };
}

function intake(devices: Device[]) {
  const stored: Notification[] = [];
  const outcomes: AlertOutcome[] = [];
  const deps: AlertIntakeDeps = {
    store: {
      householdById: (id) =>
        Promise.resolve(
          id === 'h1'
            ? { id, name: 'Home', timeZone: 'UTC', currency: 'EUR', tariff: null, createdAt: new Date(0) }
            : undefined,
        ),
      device: (hh, id) => Promise.resolve(hh === 'h1' ? devices.find((d) => d.id === id) : undefined),
      addNotification: (n) => {
        const seen = stored.some(
          (s) =>
            s.fingerprint === n.fingerprint &&
            s.status === n.status &&
            s.startsAt.getTime() === n.startsAt.getTime(),
        );
        if (!seen) stored.push(n);
        return Promise.resolve(!seen);
      },
      hasNotification: (hh, k) =>
        Promise.resolve(
          stored.some(
            (s) =>
              s.householdId === hh &&
              s.fingerprint === k.fingerprint &&
              s.status === k.status &&
              s.startsAt.getTime() === k.startsAt.getTime(),
          ),
        ),
      alertMailRecipients: () => Promise.resolve([]),
    },
    now: () => new Date(NOW),
    onOutcome: (o) => outcomes.push(o),
  };
  return { deps, stored, outcomes };
}

const alert = (
  a: Partial<AlertmanagerAlert> & { device?: string; alertname?: string },
): AlertmanagerAlert => ({
  status: a.status ?? 'firing',
  labels: a.labels ?? { alertname: a.alertname ?? 'HighStandby', household: 'h1', device: a.device ?? 'pi' },
  annotations: a.annotations ?? { summary: 'something' },
  startsAt: a.startsAt ?? minutesAgo(1),
});

test("a muted device's alert is dropped and counted as muted; a mute in the past mutes nothing", async () => {
  const { deps, stored, outcomes } = intake([
    device('quiet', { muteUntil: new Date(NOW + 60_000) }),
    device('was-quiet', { muteUntil: new Date(NOW - 60_000) }),
  ]);
  const r = await takeAlerts(deps, [alert({ device: 'quiet' }), alert({ device: 'was-quiet' })]);
  assert.deepEqual(r, { stored: 1 });
  assert.deepEqual(outcomes, ['muted', 'stored']);
  assert.deepEqual(
    stored.map((n) => n.deviceId),
    ['was-quiet'],
  );
});

test("offline alerts wait out the device's grace; other alerts and resolutions do not", async () => {
  const { deps, stored, outcomes } = intake([device('pi', { offlineGraceMinutes: 30 })]);
  await takeAlerts(deps, [
    alert({ alertname: 'DeviceOffline', startsAt: minutesAgo(5) }),
    alert({ alertname: 'DeviceOffline', startsAt: minutesAgo(45) }),
    alert({ alertname: 'DeviceOffline', startsAt: minutesAgo(5), status: 'resolved' }),
    alert({ alertname: 'HighStandby', startsAt: minutesAgo(5) }),
  ]);
  // The resolution of the outage that stayed within its grace: the household never heard it begin.
  assert.deepEqual(outcomes, ['grace', 'stored', 'not_fired', 'stored']);
  assert.deepEqual(
    stored.map((n) => `${n.alertname}/${n.status}`),
    ['DeviceOffline/firing', 'HighStandby/firing'],
  );
});

test('a repeat is kept once; a resolution only after its kept firing; firing again is new', async () => {
  const { deps, stored, outcomes } = intake([device('pi')]);
  const firing = alert({ alertname: 'StandbyWaste', startsAt: minutesAgo(30) });
  await takeAlerts(deps, [firing, firing]);
  await takeAlerts(deps, [
    { ...firing, status: 'resolved' },
    { ...firing, status: 'resolved' },
  ]);
  await takeAlerts(deps, [{ ...firing, startsAt: minutesAgo(1) }]);
  assert.deepEqual(outcomes, ['stored', 'repeat', 'stored', 'repeat', 'stored']);
  assert.equal(new Set(stored.map((n) => n.fingerprint)).size, 1, 'the fingerprint comes from the labels');
});

test("Alertmanager's fingerprint names the alert when the body carries one", async () => {
  const { deps, stored } = intake([device('pi')]);
  await takeAlerts(deps, [
    { ...alert({}), fingerprint: 'abc' },
    { ...alert({}), fingerprint: 'def' },
  ]);
  assert.deepEqual(
    stored.map((n) => n.fingerprint),
    ['abc', 'def'],
  );
});

test('alerts naming no known household are counted and dropped; the rest is stored whole', async () => {
  const { deps, stored, outcomes } = intake([]);
  await takeAlerts(deps, [
    alert({ labels: { alertname: 'X' } }),
    alert({ labels: { alertname: 'X', household: 'gone' } }),
    alert({
      labels: { household: 'h1' },
      annotations: { description: 'd'.repeat(600) },
      startsAt: 'not a time',
    }),
  ]);
  assert.deepEqual(outcomes, ['no_household', 'no_household', 'stored']);
  const n = stored[0];
  assert.equal(n?.alertname, 'unknown');
  assert.equal(n?.deviceId, null);
  assert.equal(n?.summary.length, 500);
  assert.equal(n?.startsAt.getTime(), NOW);
  assert.equal(n?.receivedAt.getTime(), NOW);
});
