import type { Context } from 'koa';
import { ApiError } from '../errors.js';

/** Reads the raw body up to `limit` bytes; a bigger one is refused with 413 before it is buffered. */
export async function readRaw(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new ApiError('payload_too_large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError('payload_too_large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(ctx: Context, limit = 64 * 1024): Promise<unknown> {
  const raw = await readRaw(ctx, limit);
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new ApiError('invalid_json', undefined, {}, { cause: err });
  }
}

/** application/x-www-form-urlencoded, as RabbitMQ's HTTP auth backend posts it. */
export async function readForm(ctx: Context, limit = 16 * 1024): Promise<URLSearchParams> {
  return new URLSearchParams(await readRaw(ctx, limit));
}
