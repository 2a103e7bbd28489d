import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testVictoriaMetrics, uniqueName } from '@energy/lib/testkit/index';
import { WriteRequestBuilder, compressRequest } from '../core/remote-write-encoder.js';
import { bisectRejected, writeWithRetry } from '../core/remote-writer.js';
import { RemoteWriteClient } from './remote-write-client.js';
import { exportSeries } from './vm-query.js';

const endUnixS = Math.floor(Date.now() / 1000) - 3600;

test('VictoriaMetrics stores exactly what the encoder wrote (values, labels, timestamps)', async () => {
  const vm = await testVictoriaMetrics();
  const hh = uniqueName('rwc');
  const b = new WriteRequestBuilder();
  b.addBatch(hh, 'pi', {
    bootId: 1,
    seq: 1,
    endUnixS,
    intervalS: 60,
    readings: [
      { socket: 0, powerWatts: 1234.5, energyJoules: 268_435_455 },
      { socket: 17, powerWatts: 0.1, energyJoules: 0 },
    ],
  });
  const client = new RemoteWriteClient(vm.url);
  const result = await client.writeOnce(await compressRequest(b.raw()));
  assert.deepEqual(result, { kind: 'success' });
  await vm.forceFlush();
  const series = await exportSeries(vm.url, `{household="${hh}"}`);
  const got = series
    .map((s) => [
      s.metric.__name__,
      s.metric.device,
      s.metric.socket,
      s.values,
      s.timestamps,
      Object.keys(s.metric).length,
    ])
    .sort((x, y) => String(x).localeCompare(String(y)));
  assert.deepEqual(got, [
    ['energy_socket_energy_joules_total', 'pi', '0', [268_435_455], [endUnixS * 1000], 4],
    ['energy_socket_energy_joules_total', 'pi', '17', [0], [endUnixS * 1000], 4],
    ['energy_socket_power_watts', 'pi', '0', [1234.5], [endUnixS * 1000], 4],
    ['energy_socket_power_watts', 'pi', '17', [0.1], [endUnixS * 1000], 4],
  ]);
  client.close();
});

test('a 400 for the whole request dead-letters only the bad message, found by bisection', async () => {
  const vm = await testVictoriaMetrics();
  const hh = uniqueName('rwc-bisect');
  const b = new WriteRequestBuilder();
  const ranges = [0, 1, 2, 3, 4].map((i) =>
    b.addBatch(hh, `d${i}`, {
      bootId: 1,
      seq: i,
      endUnixS,
      intervalS: 60,
      readings: [{ socket: 0, powerWatts: i, energyJoules: i }],
    }),
  );
  // Corrupt message 3's bytes (an invalid wire type) so that VictoriaMetrics refuses any request holding it.
  const raw = b.raw();
  const r3 = ranges[3];
  assert.ok(r3);
  raw[r3.start] = 0x0f;
  const client = new RemoteWriteClient(vm.url);
  const whole = await client.writeOnce(await compressRequest(raw));
  assert.equal(whole.kind, 'permanent');
  const { rejected } = await bisectRejected(
    ranges.length,
    (ix) => compressRequest(b.slice(ix.map((i) => ranges[i]!))),
    (c) => writeWithRetry(client, c),
  );
  assert.deepEqual(rejected, [3]);
  await vm.forceFlush();
  const devices = (await exportSeries(vm.url, `{household="${hh}"}`)).map((s) => s.metric.device).sort();
  assert.deepEqual(devices, ['d0', 'd0', 'd1', 'd1', 'd2', 'd2', 'd4', 'd4']);
  client.close();
});

test('an unreachable VictoriaMetrics is a retryable result, not a throw', async () => {
  const client = new RemoteWriteClient('http://127.0.0.1:1');
  const r = await client.writeOnce(Buffer.alloc(0));
  assert.equal(r.kind, 'retryable');
  client.close();
});
