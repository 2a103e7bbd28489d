import type { ConsumeMessage, Options } from 'amqplib';
import type { Rejection } from '../core/reject-reason.js';

/**
 * The publish options of a rejected message's copy on the dead-letter
 * exchange: its own properties, plus the reason and where it came from in
 * headers an operator reads (and a replay tool could use).
 */
export function deadLetterOptions(msg: ConsumeMessage, r: Rejection): Options.Publish {
  const p = msg.properties;
  const headers: Record<string, unknown> = {
    ...(p.headers ?? {}),
    'x-reject-reason': r.reason,
    'x-reject-detail': r.detail,
    'x-original-routing-key': msg.fields.routingKey,
    'x-original-exchange': msg.fields.exchange,
  };
  // The broker refuses a user_id other than the publisher's own login: keep it as a header.
  if (typeof p.userId === 'string') headers['x-original-user-id'] = p.userId;
  const options: Record<string, unknown> = { persistent: true, headers };
  for (const k of ['contentType', 'contentEncoding', 'messageId', 'timestamp', 'type', 'appId'] as const) {
    if (p[k] !== undefined) options[k] = p[k];
  }
  return options;
}
