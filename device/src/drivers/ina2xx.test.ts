import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmulatedBus } from './emulators/i2c-emulator.js';
import { Ina2xxEmulator } from './emulators/ina2xx-emulator.js';
import { INA_REG, Ina2xxMeter, type InaVariant } from './ina2xx.js';

for (const variant of ['ina219', 'ina226'] as const satisfies readonly InaVariant[]) {
  test(`${variant}: calibrated, power read, energy integrated in software, recalibrated after a reset`, async () => {
    const chip = new Ina2xxEmulator(variant, 0.1);
    const bus = new EmulatedBus().attach(0x40, chip);
    let t = 1000;
    const meter = new Ina2xxMeter(bus, {
      variant,
      address: 0x40,
      socket: 3,
      shuntOhms: 0.1,
      maxAmps: 3.2,
      now: () => t,
    });
    chip.volts = 12;
    chip.amps = 2;
    const first = await meter.read();
    assert.ok(first.ok);
    assert.notEqual(chip.register(INA_REG.CALIBRATION), 0);
    const s = first.samples[0];
    assert.ok(s);
    assert.equal(s.socket, 3);
    assert.ok(Math.abs(s.watts - 24) < 0.1, `${s.watts} W`);
    assert.ok(Math.abs((s.volts ?? 0) - 12) < 0.01);
    assert.equal(s.energyJoules, 0);
    t += 10;
    const second = await meter.read();
    assert.ok(second.ok);
    assert.ok(Math.abs((second.samples[0]?.energyJoules ?? 0) - 240) < 1, 'about 24 W × 10 s');
    chip.powerOn(); // brown-out: calibration lost
    t += 10;
    const third = await meter.read();
    assert.ok(third.ok);
    assert.equal(meter.resets, 1);
    assert.ok(
      (third.samples[0]?.energyJoules ?? 0) >= (second.samples[0]?.energyJoules ?? 0),
      'never backwards',
    );
    bus.failNext = 1;
    const failed = await meter.read();
    assert.ok(!failed.ok && failed.error.reason === 'io' && failed.error.chip === variant);
  });
}
