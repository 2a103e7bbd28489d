import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmulatedBus } from './emulators/i2c-emulator.js';
import { Mcp39f521Emulator } from './emulators/mcp39f521-emulator.js';
import { MCP39F521_ADDRESS, Mcp39f521Meter } from './mcp39f521.js';
import { frame, parseReadResponse } from './mcp39f521-frame.js';

test('MCP39F521 frames: checksum is the byte sum; a bad checksum is refused', () => {
  assert.deepEqual(
    [...frame([0x41, 0x00, 0x02, 0x4e, 0x20])],
    [0xa5, 0x08, 0x41, 0x00, 0x02, 0x4e, 0x20, 0x5e],
  );
  assert.equal(parseReadResponse(Buffer.from([0x06, 0x05, 0x01, 0x02, 0x0f]), 2), 'checksum');
  assert.equal(parseReadResponse(Buffer.from([0x15]), 2), 'nak');
  assert.deepEqual(
    [...(parseReadResponse(Buffer.from([0x06, 0x05, 0x01, 0x02, 0x0e]), 2) as Buffer)],
    [1, 2],
  );
});

test('MCP39F521: values, energy counter, a corrupted frame and a chip reset', async () => {
  const chip = new Mcp39f521Emulator();
  const meter = new Mcp39f521Meter(new EmulatedBus().attach(MCP39F521_ADDRESS, chip), { socket: 9 });
  chip.set(230.1, 0.4348, 100.05);
  const r0 = await meter.read();
  assert.ok(r0.ok);
  assert.deepEqual(r0.samples[0], {
    socket: 9,
    volts: 230.1,
    amps: 0.4348,
    watts: 100.05,
    energyJoules: 0,
    countRestarted: true, // a chip fresh from power-on
  });
  chip.accumulate(1000); // 1 Wh
  const r1 = await meter.read();
  assert.ok(r1.ok && r1.samples[0]?.energyJoules === 3600);
  chip.corruptNext = true;
  const bad = await meter.read();
  assert.ok(!bad.ok && bad.error.reason === 'checksum');
  chip.powerOn();
  chip.set(230, 0.1, 23);
  const r2 = await meter.read();
  assert.ok(r2.ok);
  assert.equal(meter.resets, 1);
  assert.equal(r2.samples[0]?.energyJoules, 3600, 'kept across the reset');
  chip.accumulate(500);
  const r3 = await meter.read();
  assert.ok(r3.ok && r3.samples[0]?.energyJoules === 5400);
});

test('MCP39F521 after an exporter restart: a chip that kept power continues its count; one that lost it says so', async () => {
  const chip = new Mcp39f521Emulator();
  const bus = new EmulatedBus().attach(MCP39F521_ADDRESS, chip);
  chip.set(230, 1, 230);
  await new Mcp39f521Meter(bus, { socket: 0 }).read();
  chip.accumulate(2000);
  const again = await new Mcp39f521Meter(bus, { socket: 0 }).read();
  assert.ok(again.ok);
  assert.equal(again.samples[0]?.energyJoules, 7200, "the chip's whole count");
  assert.equal(again.samples[0]?.countRestarted, undefined);
  chip.powerOn();
  const rebooted = await new Mcp39f521Meter(bus, { socket: 0 }).read();
  assert.ok(rebooted.ok);
  assert.equal(rebooted.samples[0]?.countRestarted, true);
});
