import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumeMessage } from 'amqplib';
import { deadLetterOptions } from './dead-letter.js';

test('the dead-letter copy keeps its properties and says why, where from and who published it', () => {
  const msg = {
    content: Buffer.from('x'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: 'energy.readings',
      routingKey: 'hh1.pi',
      consumerTag: 'c',
    },
    properties: {
      contentType: 'application/x-protobuf',
      contentEncoding: undefined,
      headers: { 'x-trace': 'abc' },
      deliveryMode: 2,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: 'm1',
      timestamp: 1_780_000_000,
      type: 'energy.v1.ReadingBatch',
      userId: 'admin',
      appId: undefined,
      clusterId: undefined,
    },
  } as ConsumeMessage;
  assert.deepEqual(
    deadLetterOptions(msg, { reason: 'user_id_mismatch', detail: 'user_id admin published for hh1.pi' }),
    {
      persistent: true,
      headers: {
        'x-trace': 'abc',
        'x-reject-reason': 'user_id_mismatch',
        'x-reject-detail': 'user_id admin published for hh1.pi',
        'x-original-routing-key': 'hh1.pi',
        'x-original-exchange': 'energy.readings',
        'x-original-user-id': 'admin',
      },
      contentType: 'application/x-protobuf',
      messageId: 'm1',
      timestamp: 1_780_000_000,
      type: 'energy.v1.ReadingBatch',
    },
  );
});
