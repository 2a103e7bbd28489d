/**
 * Event 1 with the real exporter daemon: SIGKILLed twice within a simulated
 * hour and started again on the same outbox, its simulated chip powered on
 * at 09:00 yesterday (UTC household) and keeping its count throughout. The
 * truth is the chip's count from the first stored minute to the last.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { startDaemon, stopped } from './daemon.js';
import type { EnergyEvent } from './events.js';
import { SOCKETS, lastWholeDay } from './events.js';
import { addDevice, registerHousehold } from './household-client.js';
import { sampleSpan, waitForQuiet } from './ingested.js';
import { simulatedHousehold } from './meter-model.js';

const SEED = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const DAEMON_RESTARTS: EnergyEvent = {
  name: 'exporter daemon SIGKILLed twice within an hour (real daemon)',
  async run(stack) {
    const household = await registerHousehold(stack.apiUrl, 'daemon-restarts', 'UTC');
    const device = await addDevice(household, 'daemon Pi');
    const day = lastWholeDay('UTC');
    const powerOnS = day.startMs / 1000 + 9 * 3600;
    const dir = mkdtempSync(join(tmpdir(), 'verify-energy-daemon-'));
    const base = {
      amqpUrl: stack.vhost.amqpUrl(device.username, device.password),
      username: device.username,
      password: device.password,
      dir,
      powerOnS,
      sockets: SOCKETS,
      seed: SEED,
      householdId: household.id,
    };
    // A simulated minute per second: ~20 minutes up, 5 down, 20 up, 5 down, 20 up — all of it yesterday.
    for (const [i, startOffsetMin] of [0, 25, 50].entries()) {
      const daemon = await startDaemon({ ...base, simClockStart: powerOnS + startOffsetMin * 60 });
      await sleep(20_000);
      await stopped(daemon, i < 2 ? 'SIGKILL' : 'SIGTERM');
    }
    await waitForQuiet(stack.vmUrl, () => stack.flushVm(), household.id);
    // A device's first reading starts its count: the chip's joules before it are not the exporter's to
    // send. The first stored minute's counts are taken as they are; from there on, the truth.
    const { firstS, lastS, firstCount } = await sampleSpan(stack.vmUrl, household.id);
    const sim = new HouseholdSimulator({ seed: SEED, householdId: household.id, deviceId: device.id });
    const model = simulatedHousehold(household.id, 'UTC', SOCKETS, sim);
    return {
      checks: [
        {
          event: this.name,
          household,
          deviceId: device.id,
          model,
          covered: [[firstS, lastS]],
          firstCountJoules: Array.from({ length: SOCKETS }, (_, s) => firstCount.get(s) ?? 0),
          bucket: 'day',
          fromMs: day.startMs,
          toMs: day.endMs,
        },
      ],
      expected: [],
    };
  },
};
