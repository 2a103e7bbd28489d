import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as promql from './promql.js';

test('the queries the API sends, on the series names from lib', () => {
  assert.equal(promql.lastPower(600_000), 'last_over_time(energy_socket_power_watts[10m])');
  assert.equal(promql.lastPowerTime(600_000), 'tlast_over_time(energy_socket_power_watts[10m])');
  assert.equal(promql.meanPower(60_000), 'avg_over_time(energy_socket_power_watts[1m])');
  assert.equal(promql.meanPower(90_000), 'avg_over_time(energy_socket_power_watts[90s])');
  assert.equal(promql.maxPower(300_000), 'max_over_time(energy_socket_power_watts[5m])');
  assert.equal(
    promql.deviceCompleteUntil(31 * 86_400_000),
    'max by (device) (max_over_time(energy_device_complete_until_seconds[31d]))',
  );
  assert.equal(promql.energyIncrease(900_000), 'increase(energy_socket_energy_joules_total[15m])');
  assert.equal(
    promql.powerQuantile(0.05, 7 * 86_400_000),
    'quantile_over_time(0.05, energy_socket_power_watts[7d])',
  );
  assert.equal(
    promql.deviceLastReport(86_400_000),
    'max by (device) (tlast_over_time(energy_socket_power_watts[1d]))',
  );
  assert.equal(promql.householdSeries('h"1'), '{household="h\\"1"}');
  assert.equal(promql.householdFilter('h1'), 'household=h1');
  assert.equal(promql.duration(3 * 3_600_000), '3h');
  assert.throws(() => promql.duration(1500), RangeError);
});
