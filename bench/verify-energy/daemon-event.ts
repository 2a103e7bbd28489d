/**
 * Events run with the real exporter daemon (simulator meter, a simulated
 * minute per second, all of it yesterday in a UTC household), started again
 * on the same folder (outbox and state file) after each stop:
 * - restarts: SIGKILLed twice within a simulated hour, the chip keeping its
 *   count (event 1);
 * - Pi reboot: SIGKILLed, then started with a chip that powered on with it —
 *   every count from zero, a new epoch (event 2);
 * - an hour offline: its uplink cut for a simulated hour while it runs on,
 *   then replaying the outbox while live readings continue (event 3).
 * The truth per counter epoch is the first stored reading's counts (what the
 * exporter counted from its first look at the chip; the chip's joules before
 * are not its to send) plus the chip's joules from there to the last reading.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HouseholdSimulator } from '@energy/device/simulator/household-simulator';
import { startBrokerProxy, type BrokerProxy } from './broker-proxy.js';
import { startDaemon, stopped, type DaemonOptions } from './daemon.js';
import type { EnergyEvent, EventRun } from './events.js';
import { SOCKETS, lastWholeDay } from './events.js';
import { addDevice, registerHousehold } from './household-client.js';
import { energySamples, epochStretches, waitForQuiet } from './ingested.js';
import { simulatedHousehold } from './meter-model.js';
import type { EnergyStack } from './stack.js';

const SEED = 5;
const MAX_GAP_S = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface DaemonHome {
  readonly base: Omit<DaemonOptions, 'simClockStart'>;
  /** The chip's first power-on, 09:00 yesterday (UTC). */
  readonly powerOnS: number;
  readonly proxy: BrokerProxy;
  /** Energy samples of the household VictoriaMetrics holds now. */
  stored(): Promise<number>;
  /** What the script saw go wrong. */
  readonly failures: string[];
}

type Script = (h: DaemonHome) => Promise<void>;

/**
 * `gapless`: the offline hour must come back from the outbox — no gap over
 * MAX_GAP_S between stored readings. Not every minute: on the fast clock a
 * stall of a few hundred milliseconds (a loaded machine) skips a minute
 * boundary, whose energy the next minute's counter carries.
 */
function daemonEvent(name: string, slug: string, script: Script, gapless = false): EnergyEvent {
  return {
    name,
    async run(stack: EnergyStack): Promise<EventRun> {
      const household = await registerHousehold(stack.apiUrl, slug, 'UTC');
      const device = await addDevice(household, `${slug} Pi`);
      const day = lastWholeDay('UTC');
      const powerOnS = day.startMs / 1000 + 9 * 3600;
      const proxy = await startBrokerProxy(Number(new URL(stack.vhost.amqpUrl()).port));
      const failures: string[] = [];
      try {
        await script({
          powerOnS,
          proxy,
          failures,
          async stored() {
            await stack.flushVm();
            return energySamples(stack.vmUrl, household.id);
          },
          base: {
            amqpUrl: proxy.through(stack.vhost.amqpUrl(device.username, device.password)),
            username: device.username,
            password: device.password,
            dir: mkdtempSync(join(tmpdir(), `verify-energy-${slug}-`)),
            powerOnS,
            sockets: SOCKETS,
            seed: SEED,
            householdId: household.id,
          },
        });
      } finally {
        await proxy.close();
      }
      await waitForQuiet(stack.vmUrl, () => stack.flushVm(), household.id);
      const stretches = await epochStretches(stack.vmUrl, household.id, SOCKETS);
      const sim = new HouseholdSimulator({ seed: SEED, householdId: household.id, deviceId: device.id });
      const model = simulatedHousehold(household.id, 'UTC', SOCKETS, sim);
      const check = {
        event: name,
        household,
        deviceId: device.id,
        model,
        covered: stretches.map((st) => [st.fromS, st.toS] as const),
        firstCounts: stretches.map((st) => ({ atS: st.fromS, joules: st.firstJoules })),
      };
      if (stretches.length === 0) failures.push(`${name}: nothing stored`);
      for (const st of stretches) {
        const span = `${new Date(st.fromS * 1000).toISOString()}..${new Date(st.toS * 1000).toISOString()}`;
        console.error(
          `${name}: epoch ${span}, ${st.minutes} minutes stored, longest gap ${st.longestGapS} s`,
        );
      }
      if (gapless) {
        for (const st of stretches) {
          if (st.longestGapS > MAX_GAP_S)
            failures.push(
              `${name}: ${st.longestGapS} s without a stored reading (${st.minutes} minutes stored)`,
            );
        }
      }
      // Hours too: a minute replayed late, or never, moves energy between hours (the counter carries it on).
      const hourMs = 3_600_000;
      const firstMs = (stretches[0]?.fromS ?? 0) * 1000;
      const lastMs = (stretches.at(-1)?.toS ?? 0) * 1000;
      return {
        checks: [
          { ...check, bucket: 'day', fromMs: day.startMs, toMs: day.endMs },
          {
            ...check,
            bucket: 'hour',
            fromMs: Math.floor((firstMs - 1) / hourMs) * hourMs,
            toMs: Math.ceil(lastMs / hourMs) * hourMs,
          },
        ],
        expected: [],
        failures,
      };
    },
  };
}

/** Runs the daemon from `offsetMin` after power-on (simulated) for `ms` of wall time. */
async function runFor(
  h: DaemonHome,
  offsetMin: number,
  ms: number,
  stop: NodeJS.Signals,
  opts: { chipRestarted?: boolean; during?: () => Promise<void> } = {},
): Promise<void> {
  const simClockStart = h.powerOnS + offsetMin * 60;
  // A chip that lost power counts from the daemon's start (the simulator meter without a power-on time).
  const { powerOnS, ...rest } = h.base;
  const daemon = await startDaemon(
    opts.chipRestarted === true ? { ...rest, simClockStart } : { ...rest, powerOnS, simClockStart },
  );
  await Promise.all([sleep(ms), opts.during?.()]);
  await stopped(daemon, stop);
}

export const DAEMON_RESTARTS = daemonEvent(
  'exporter daemon SIGKILLed twice within an hour (real daemon)',
  'daemon-restarts',
  async (h) => {
    // ~20 minutes up, 5 down, 20 up, 5 down, 20 up — all of it yesterday.
    await runFor(h, 0, 20_000, 'SIGKILL');
    await runFor(h, 25, 20_000, 'SIGKILL');
    await runFor(h, 50, 20_000, 'SIGTERM');
  },
);

export const DAEMON_REBOOT = daemonEvent('Pi reboot (real daemon)', 'daemon-reboot', async (h) => {
  // Power lost at ~09:20; back at 09:25 with every count from zero: the daemon starts a new epoch.
  await runFor(h, 0, 20_000, 'SIGKILL');
  await runFor(h, 25, 20_000, 'SIGTERM', { chipRestarted: true });
});

export const DAEMON_OFFLINE = daemonEvent(
  'an hour offline, replayed from the outbox while live readings continue (real daemon)',
  'daemon-offline',
  async (h) => {
    // Up ~10 minutes, the uplink cut for an hour, then up again: the outbox replays beside the live minutes.
    // 45 s after the uplink returns: the publisher's reconnect backoff is capped at 30 s.
    await runFor(h, 0, 10_000 + 60_000 + 45_000, 'SIGTERM', {
      async during() {
        await sleep(10_000);
        h.proxy.down();
        // Nothing may arrive while the uplink is cut: then the hour's minutes can only come from the outbox.
        await sleep(5_000);
        const before = await h.stored();
        await sleep(55_000);
        const during = (await h.stored()) - before;
        if (during > 0)
          h.failures.push(`${h.base.householdId}: ${during} samples arrived with the uplink cut`);
        h.proxy.up();
      },
    });
  },
  true,
);
