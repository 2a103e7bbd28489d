import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityReport, planFor, type Assumptions, type Measured } from './plan.js';

// Round figures, so every expected number below can be worked out by hand.
const m: Measured = {
  brokerMsgsPerSec: 20_000,
  collectorCpuMsPer1000Msgs: 40,
  memoryPerConnectionKB: 100,
  loginsPerSec: 500,
  authCpuMsPerCheck: 1,
  authChecksPerConnection: 5,
  stormRecoverySeconds: 30,
  memoryPerActiveSeriesBytes: 1000,
  vmCpuUsPerSample: 2,
  diskBytesPerSample: 0.5,
  apiViewsPerSec: 100,
  vmCpuMsPerView: 2,
};
const a: Assumptions = {
  socketsPerHousehold: 30,
  devicesPerHousehold: 1,
  seriesPerSocket: 2,
  nodeCores: 2,
  nodeMemoryGB: 16,
  headroom: 0.5,
  brokerMemoryShare: 0.4,
  vmMemoryShare: 0.5,
  replicationFactor: 2,
  peakViewsPerHousehold: 0.001,
  stormWindowSeconds: 30,
  minBrokerNodes: 3,
  minNodes: 2,
};

test('two million households: the issue’s rates, and each tier sized by its largest need', () => {
  const r = planFor(2_000_000, m, a);
  // 2 M devices × one message a minute; 30 sockets × power and energy a minute each.
  assert.equal(r.msgsPerSec, 33_333);
  assert.equal(r.samplesPerSec, 2_000_000);
  assert.equal(r.activeSeries, 120_000_000);
  assert.equal(r.connections, 2_000_000);
  // Memory: 2 M × 100 KiB = 190.7 GiB over 16 GiB × 0.4 × 0.5 = 3.2 GiB per node → 60 (messages need only 4).
  assert.equal(r.brokerNodes, 60);
  // A node's 33,334 devices × 5 checks in 30 s = 5,556/s over 2 cores × 1,000/s × 0.5 → 6 (views: 2,000/50 = 40).
  assert.equal(r.apiNodes, 40);
  // 33,333 msg/s × 40 µs = 1.33 cores, one core per collector at half → 3.
  assert.equal(r.collectors, 3);
  // 120 M × 2 copies × 1000 B = 223.5 GiB over 16 GiB × 0.5 × 0.5 = 4 GiB → 56; CPU: 4 cores × 2 / 1 = 8.
  assert.equal(r.vmstorageNodes, 56);
  // 2 M samples/s × 2 µs = 4 cores over 2 × 0.5 → 4.
  assert.equal(r.vminsertNodes, 4);
  // 2,000 views/s × 2 ms = 4 cores → 4.
  assert.equal(r.vmselectNodes, 4);
  // 2 M/s × 31,536,000 s × 0.5 B × 2 copies = 63.07 TB.
  assert.equal(r.diskTBPerYear, 63.07);
  assert.equal(r.firstLimit, 'broker memory (connections)');
});

test('small fleets keep the redundancy floors', () => {
  const r = planFor(1000, m, a);
  assert.equal(r.brokerNodes, 3);
  assert.equal(r.collectors, 2);
  assert.equal(r.vmstorageNodes, 2);
  assert.equal(r.apiNodes, 2);
  assert.equal(r.firstLimit, 'redundancy floor');
});

test('the JSON report has exactly the keys issue 14 lists, for 100 k, 500 k and 2 M households', () => {
  const rep = capacityReport(m, a);
  assert.deepEqual(Object.keys(rep).sort(), [
    'households',
    'loginsPerSec',
    'memoryPerActiveSeriesBytes',
    'memoryPerConnectionKB',
    'stormRecoverySeconds',
  ]);
  assert.deepEqual(
    rep.households.map((r) => r.households),
    [100_000, 500_000, 2_000_000],
  );
  for (const row of rep.households)
    assert.deepEqual(Object.keys(row).sort(), [
      'activeSeries',
      'apiNodes',
      'brokerNodes',
      'collectors',
      'connections',
      'diskTBPerYear',
      'firstLimit',
      'households',
      'msgsPerSec',
      'samplesPerSec',
      'vminsertNodes',
      'vmselectNodes',
      'vmstorageNodes',
    ]);
});
