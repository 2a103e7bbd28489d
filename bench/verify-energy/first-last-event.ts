/**
 * Event 5: a device's first minute ever and its last before revocation. A
 * new device (new series) starts at a minute VictoriaMetrics' increase()
 * would drop as a new series' first value — the minute's count is at least
 * 10 × (the next minute's + 1), a fridge stopping — and is revoked after its
 * last minute: that minute counts, and (full run) a minute the revoked device
 * tries to send afterwards is refused by the broker.
 */
import { randomInt } from 'node:crypto';
import { body, openPublisher } from '@energy/collector/test-support';
import type { ReadingBatch } from '@energy/lib/reading-batch';
import type { TestVhost } from '@energy/lib/testkit/index';
import type { EnergyEvent, EventRun } from './events.js';
import { SOCKETS, dayCheck, home, lastWholeDay } from './events.js';
import { revokeDevice, type DeviceLogin } from './household-client.js';
import { waitForSamples } from './ingested.js';
import type { MeterModel } from './meter-model.js';
import { publishAs } from './publish.js';
import { minuteBatch, minuteStream } from './timeline.js';

/** The broker's auth cache keeps a login's answer this long (lib/src/services/rabbitmq.ts: cache_ttl). */
const AUTH_CACHE_MS = 60_000;

export interface DroppableMinute {
  readonly startS: number;
  readonly socket: number;
  readonly firstJ: number;
  readonly nextJ: number;
}

/**
 * The minute in [fromS, toS) whose count, as a new series' first value,
 * VictoriaMetrics would drop (first ≥ 10 × (next delta + 1)), the largest
 * such: the harder case for the check. Undefined when the day has none.
 */
export function droppableFirstMinute(m: MeterModel, fromS: number, toS: number): DroppableMinute | undefined {
  let best: DroppableMinute | undefined;
  for (let t = fromS; t + 120 <= toS; t += 60) {
    for (let socket = 0; socket < m.sockets; socket++) {
      const firstJ = Math.floor(m.joules(socket, t, t + 60));
      const nextJ = Math.floor(m.joules(socket, t, t + 120)) - firstJ;
      if (firstJ >= 10 * (nextJ + 1) && (best === undefined || firstJ > best.firstJ))
        best = { startS: t, socket, firstJ, nextJ };
    }
  }
  return best;
}

/** Can the revoked device still publish? True when the broker took the batch (it must not). */
async function publishedAfterRevocation(
  vhost: TestVhost,
  login: DeviceLogin,
  batch: ReadingBatch,
): Promise<boolean> {
  try {
    const pub = await openPublisher(vhost.amqpUrl(login.username, login.password), login.username);
    try {
      await pub.publish(login.username, body(batch), {
        messageId: `${batch.bootId.toString(16)}-${batch.seq}`,
      });
      return true;
    } finally {
      await pub.close().catch(() => undefined);
    }
  } catch {
    return false;
  }
}

/**
 * `hours`: how long the device lives. `tryAfterRevocation`: wait out the
 * broker's auth cache and try to send the next minute (a minute of wall time).
 */
export function firstAndLastMinute(name: string, hours: number, tryAfterRevocation: boolean): EnergyEvent {
  return {
    name,
    async run(stack): Promise<EventRun> {
      const h = await home(stack, name, 'Europe/Berlin');
      const day = lastWholeDay('Europe/Berlin');
      const dayStartS = day.startMs / 1000;
      // The device is plugged in between 06:00 and 12:00, at the worst minute for a new series.
      const pick = droppableFirstMinute(h.model, dayStartS + 6 * 3600, dayStartS + 12 * 3600);
      if (pick === undefined) throw new Error(`${name}: no minute a new series would lose on this day`);
      const lastS = pick.startS + hours * 3600;
      const epoch = { bootId: randomInt(1, 2 ** 31), startS: pick.startS };
      const stream = minuteStream(h.model, { fromS: pick.startS, toS: lastS, epochs: [epoch] });
      await publishAs(stack.vhost, h.device, stream);
      // The last minute is stored before the revocation: it was delivered while the device was allowed.
      const samples = (stream.length + 1) * SOCKETS;
      await waitForSamples(stack.vmUrl, () => stack.flushVm(), h.household.id, samples);
      await revokeDevice(h.household, h.device.id);
      const failures: string[] = [];
      if (tryAfterRevocation) {
        await new Promise((r) => setTimeout(r, AUTH_CACHE_MS + 2000));
        const next = minuteBatch(h.model, epoch, stream.length + 1, lastS + 60);
        if (await publishedAfterRevocation(stack.vhost, h.device, next))
          failures.push(`${name}: the broker took a batch from the revoked device`);
      }
      return {
        checks: [{ ...dayCheck(name, h, day), covered: [[pick.startS, lastS]] }],
        expected: [{ householdId: h.household.id, samples }],
        failures,
      };
    },
  };
}
