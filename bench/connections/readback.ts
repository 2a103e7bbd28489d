import amqp from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';

/** What the collector would assert (as admin), plus one durable queue bound to every device's key. */
export async function declareReadback(adminUrl: string, queue: string): Promise<void> {
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

/**
 * Consumes the queue empty and returns, per routing key (= device), the
 * message ids received (`<boot id>-<seq>`, so a duplicate counts once).
 */
export async function readBack(adminUrl: string, queue: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const conn = await amqp.connect(adminUrl);
  try {
    const ch = await conn.createChannel();
    await ch.prefetch(2000);
    let last = Date.now();
    await ch.consume(queue, (m) => {
      if (!m) return;
      last = Date.now();
      const key = m.fields.routingKey;
      let s = out.get(key);
      if (!s) out.set(key, (s = new Set()));
      s.add(String(m.properties.messageId));
      ch.ack(m);
    });
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const q = await ch.checkQueue(queue);
      if (q.messageCount === 0 && Date.now() - last > 1500) break;
    }
    await ch.close();
  } finally {
    await conn.close();
  }
  return out;
}

/** Batches made but never received, summed over devices: made[key] seqs 1..n under one boot each. */
export function missing(received: Map<string, Set<string>>, made: Map<string, number>): number {
  let lost = 0;
  for (const [key, n] of made) {
    const seqs = new Set([...(received.get(key) ?? [])].map((id) => Number(id.split('-')[1])));
    for (let s = 1; s <= n; s++) if (!seqs.has(s)) lost++;
  }
  return lost;
}
