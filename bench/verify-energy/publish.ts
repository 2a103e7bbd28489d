/** Publishing as the device itself: its own broker login, persistent and confirmed, 500 in flight. */
import type { ReadingBatch } from '@energy/lib/reading-batch';
import { body, openPublisher } from '@energy/collector/test-support';
import type { TestVhost } from '@energy/lib/testkit/index';
import type { DeviceLogin } from './household-client.js';

const IN_FLIGHT = 500;

export async function publishAs(
  vhost: TestVhost,
  d: DeviceLogin,
  batches: readonly ReadingBatch[],
): Promise<void> {
  const pub = await openPublisher(vhost.amqpUrl(d.username, d.password), d.username);
  try {
    for (let i = 0; i < batches.length; i += IN_FLIGHT) {
      await Promise.all(
        batches
          .slice(i, i + IN_FLIGHT)
          .map((b) => pub.publish(d.username, body(b), { messageId: `${b.bootId.toString(16)}-${b.seq}` })),
      );
    }
  } finally {
    await pub.close();
  }
}
