import amqp from 'amqplib';
import type { GetMessage } from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';

/**
 * Test-side topology: what the collector would assert (as admin), plus a
 * queue bound to everything to read published batches back.
 */
export async function declareReadingsTopology(adminUrl: string, queue: string): Promise<void> {
  const conn = await amqp.connect(adminUrl);
  try {
    const ch = await conn.createChannel();
    await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true });
    await ch.bindQueue(queue, READINGS_EXCHANGE, '#');
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Reads every message currently in the queue (acks them). */
export async function drainQueue(adminUrl: string, queue: string): Promise<GetMessage[]> {
  const conn = await amqp.connect(adminUrl);
  const out: GetMessage[] = [];
  try {
    const ch = await conn.createChannel();
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (m === false) break;
      out.push(m);
    }
    await ch.close();
  } finally {
    await conn.close();
  }
  return out;
}

export async function queueDepth(adminUrl: string, queue: string): Promise<number> {
  const conn = await amqp.connect(adminUrl);
  try {
    const ch = await conn.createChannel();
    const q = await ch.checkQueue(queue);
    await ch.close();
    return q.messageCount;
  } finally {
    await conn.close();
  }
}
