import type { Channel } from 'amqplib';
import { READINGS_EXCHANGE } from '@energy/lib/defaults';

export const DEAD_LETTER_EXCHANGE = `${READINGS_EXCHANGE}.dlx`;
export const DEAD_LETTER_QUEUE = `${READINGS_EXCHANGE}.dead`;
export const SHARD_EXCHANGE = `${READINGS_EXCHANGE}.shards`;
export const DEFAULT_QUEUE = `${READINGS_EXCHANGE}.q`;

export interface TopologyOptions {
  /** The main queue's name; shard queues are `<queue>.<i>`. */
  readonly queue: string;
  /** 0: one queue bound to energy.readings. N > 0: N shard queues behind a consistent-hash exchange. */
  readonly shards: number;
  /** Deliveries after which the broker itself dead-letters a message that keeps failing. */
  readonly deliveryLimit: number;
  /**
   * On a cluster: replicas per quorum queue (3 survives one node) and the
   * leader on the node with the fewest leaders, so the shards' leaders
   * spread over the nodes. 0 or absent: the broker's defaults (one node).
   */
  readonly quorumReplicas?: number;
}

export function shardQueueNames(o: TopologyOptions): string[] {
  if (o.shards <= 0) return [o.queue];
  return Array.from({ length: o.shards }, (_, i) => `${o.queue}.${i}`);
}

/**
 * The collector owns the broker topology (devices have no configure rights).
 * Returns the queues to consume.
 */
export async function assertTopology(ch: Channel, o: TopologyOptions): Promise<string[]> {
  // Devices publish here; topic permissions are only checked on topic exchanges.
  await ch.assertExchange(READINGS_EXCHANGE, 'topic', { durable: true });
  await ch.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
  await ch.assertQueue(DEAD_LETTER_QUEUE, { durable: true });
  await ch.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '#');
  const queueArgs = {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
    'x-delivery-limit': o.deliveryLimit,
    // Quorum queues dead-letter at most once unless both of these are set (FACTS.md).
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    ...(o.quorumReplicas
      ? { 'x-quorum-initial-group-size': o.quorumReplicas, 'x-queue-leader-locator': 'balanced' }
      : {}),
  };
  const queues = shardQueueNames(o);
  let source = READINGS_EXCHANGE;
  let pattern = '#';
  if (o.shards > 0) {
    // Behind the topic exchange (exchange-to-exchange), so the permission check stays where devices publish.
    await ch.assertExchange(SHARD_EXCHANGE, 'x-consistent-hash', { durable: true });
    await ch.bindExchange(SHARD_EXCHANGE, READINGS_EXCHANGE, '#');
    source = SHARD_EXCHANGE;
    pattern = '1'; // equal weight; the hash of the routing key keeps a device on one shard
  }
  for (const q of queues) {
    await ch.assertQueue(q, { durable: true, arguments: queueArgs });
    await ch.bindQueue(q, source, pattern);
  }
  return queues;
}
