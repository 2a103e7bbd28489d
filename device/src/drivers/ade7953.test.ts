import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADE7953_ADDRESS, ADE7953_DEFAULT_SCALE, ADE7953_REG, Ade7953Meter } from './ade7953.js';
import { Ade7953Emulator } from './emulators/ade7953-emulator.js';
import { EmulatedBus, EmulatedMuxBus } from './emulators/i2c-emulator.js';
import { Tca9548a } from './tca9548a.js';

const J = ADE7953_DEFAULT_SCALE.joulesPerLsb;

async function energies(m: Ade7953Meter): Promise<number[]> {
  const r = await m.read();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.samples.map((s) => Math.round(s.energyJoules / J));
}

test('ADE7953: init sequence, readings scaled, energy accumulates', async () => {
  const chip = new Ade7953Emulator();
  const bus = new EmulatedBus().attach(ADE7953_ADDRESS, chip);
  const meter = new Ade7953Meter(bus, { firstSocket: 4 });
  chip.awatt = [164 * 100, 164 * 5];
  chip.vrms = Math.round(230 / ADE7953_DEFAULT_SCALE.voltsPerLsb);
  const first = await meter.read();
  assert.ok(first.ok);
  assert.equal(chip.register(ADE7953_REG.SETUP_120), 0x0030, 'unlocked and set');
  assert.equal(chip.register(ADE7953_REG.LCYCMODE), 0, 'non-reset accumulation');
  assert.deepEqual(
    first.samples.map((s) => [s.socket, Math.round(s.watts), Math.round(s.volts ?? 0)]),
    [
      [4, 100, 230],
      [5, 5, 230],
    ],
  );
  chip.accumulate(1000, 10);
  assert.deepEqual(await energies(meter), [1000, 10]);
  chip.accumulate(500, 0);
  assert.deepEqual(await energies(meter), [1500, 10]);
});

test('ADE7953: accumulator overflow (32-bit wrap) keeps counting forward', async () => {
  const chip = new Ade7953Emulator();
  const meter = new Ade7953Meter(new EmulatedBus().attach(ADE7953_ADDRESS, chip), { firstSocket: 0 });
  await meter.read();
  chip.setAccumulator(0, 2 ** 31 - 100);
  const [a0] = await energies(meter);
  chip.accumulate(300, 0); // passes 2³¹−1 and wraps to negative
  const [a1] = await energies(meter);
  assert.equal((a1 ?? 0) - (a0 ?? 0), 300);
});

test('ADE7953: a chip reset is detected, the chip set up again, counters never go backwards', async () => {
  const chip = new Ade7953Emulator();
  const meter = new Ade7953Meter(new EmulatedBus().attach(ADE7953_ADDRESS, chip), { firstSocket: 0 });
  await meter.read();
  chip.accumulate(5000, 7000);
  assert.deepEqual(await energies(meter), [5000, 7000]);
  chip.powerOn();
  chip.accumulate(0, 0);
  const [x, y] = await energies(meter);
  assert.deepEqual([x, y], [5000, 7000]);
  assert.equal(meter.resets, 1);
  assert.equal(chip.register(ADE7953_REG.SETUP_120), 0x0030);
  chip.accumulate(200, 300);
  assert.deepEqual(await energies(meter), [5200, 7300]);
});

test('ADE7953 behind a TCA9548A: one chip per channel, same address, a bus error is a typed read error', async () => {
  const bus = new EmulatedMuxBus();
  const chips = [new Ade7953Emulator(), new Ade7953Emulator(), new Ade7953Emulator()];
  chips.forEach((c, i) => bus.attachBehind([0, 3, 7][i] ?? 0, ADE7953_ADDRESS, c));
  const meter = new Ade7953Meter(bus, {
    firstSocket: 0,
    mux: { device: new Tca9548a(bus), channels: [0, 3, 7] },
  });
  await meter.read();
  chips.forEach((c, i) => c.accumulate(100 * (i + 1), 1000 * (i + 1)));
  assert.deepEqual(await energies(meter), [100, 1000, 200, 2000, 300, 3000]);
  bus.failNext = 1;
  const failed = await meter.read();
  assert.ok(!failed.ok);
  assert.equal(failed.error.chip, 'ade7953');
  assert.equal(failed.error.reason, 'io');
  chips[0]?.accumulate(1, 0);
  assert.deepEqual(await energies(meter), [101, 1000, 200, 2000, 300, 3000]);
});

test('ADE7953 after an exporter restart: a chip that kept power continues its count; one that lost it says so', async () => {
  const chip = new Ade7953Emulator();
  const bus = new EmulatedBus().attach(ADE7953_ADDRESS, chip);
  const first = await new Ade7953Meter(bus, { firstSocket: 0 }).read();
  assert.ok(first.ok && first.samples.every((s) => s.countRestarted === true), 'fresh from power-on');
  chip.accumulate(700, 30);
  const again = await new Ade7953Meter(bus, { firstSocket: 0 }).read();
  assert.ok(again.ok);
  assert.deepEqual(
    again.samples.map((s) => [Math.round(s.energyJoules / J), s.countRestarted]),
    [
      [700, undefined],
      [30, undefined],
    ],
    "the chip's whole count, no restart",
  );
  chip.powerOn();
  const rebooted = await new Ade7953Meter(bus, { firstSocket: 0 }).read();
  assert.ok(rebooted.ok && rebooted.samples.every((s) => s.countRestarted === true));
});
