import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { ShellyGen2Meter } from './shelly-gen2.js';
import { TasmotaMeter } from './tasmota.js';

type Handler = (path: string) => { status?: number; body?: string; hang?: boolean };

async function plug(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '/');
    if (r.hang) return; // never answers: the driver's deadline must fire
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json' });
    res.end(r.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.closeAllConnections());
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Shaped like Shelly's documented Switch.GetStatus answer.
const shellyStatus = (id: number, apower: number, total: number): string =>
  JSON.stringify({
    id,
    source: 'init',
    output: true,
    apower,
    voltage: 229.8,
    freq: 50,
    current: apower / 229.8,
    aenergy: { total, by_minute: [0, 0, 0], minute_ts: 1700000000 },
    temperature: { tC: 41.2, tF: 106.2 },
  });

test('Shelly Gen2: per channel apower and aenergy.total (Wh → J)', async () => {
  const url = await plug((p) => {
    const id = Number(new URL(p, 'http://x').searchParams.get('id'));
    assert.ok(p.startsWith('/rpc/Switch.GetStatus'));
    return { body: shellyStatus(id, id === 0 ? 120.5 : 3, id === 0 ? 1234.5 : 10) };
  });
  const r = await new ShellyGen2Meter({ url, channels: [0, 1], firstSocket: 7 }).read();
  assert.ok(r.ok);
  assert.deepEqual(
    r.samples.map((s) => [s.socket, s.watts, s.energyJoules, s.volts]),
    [
      [7, 120.5, 1234.5 * 3600, 229.8],
      [8, 3, 36_000, 229.8],
    ],
  );
});

test('Shelly Gen2: garbage, HTTP errors and timeouts are typed read errors', async () => {
  const cases: [Handler, string][] = [
    [() => ({ body: '<html>oops' }), 'garbage'],
    [() => ({ body: JSON.stringify({ id: 0, apower: 'lots' }) }), 'garbage'],
    [() => ({ status: 500, body: '{}' }), 'http-status'],
    [() => ({ hang: true }), 'timeout'],
  ];
  for (const [handler, reason] of cases) {
    const url = await plug(handler);
    const r = await new ShellyGen2Meter({ url, channels: [0], firstSocket: 0, timeoutMs: 200 }).read();
    assert.ok(!r.ok);
    assert.equal(r.error.reason, reason);
  }
  const closed = await new ShellyGen2Meter({
    url: 'http://127.0.0.1:1',
    channels: [0],
    firstSocket: 0,
  }).read();
  assert.ok(!closed.ok && closed.error.reason === 'io');
});

test('Tasmota: Status 8 ENERGY Total (kWh → J) and Power', async () => {
  const url = await plug((p) => {
    assert.equal(p, '/cm?cmnd=Status%208');
    return {
      body: JSON.stringify({
        StatusSNS: {
          Time: '2026-11-29T05:00:00',
          ENERGY: {
            TotalStartTime: '2026-01-01T00:00:00',
            Total: 12.345,
            Yesterday: 1.2,
            Today: 0.4,
            Power: 61,
            ApparentPower: 70,
            ReactivePower: 20,
            Factor: 0.87,
            Voltage: 231,
            Current: 0.3,
          },
        },
      }),
    };
  });
  const r = await new TasmotaMeter({ url, firstSocket: 2 }).read();
  assert.ok(r.ok);
  assert.deepEqual(r.samples, [
    { socket: 2, watts: 61, energyJoules: 12.345 * 3_600_000, volts: 231, amps: 0.3 },
  ]);
  const bad = await new TasmotaMeter({
    url: await plug(() => ({ body: '{"Status":{}}' })),
    firstSocket: 0,
  }).read();
  assert.ok(!bad.ok && bad.error.reason === 'garbage');
});
