import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context } from 'koa';

/**
 * How long a browser may keep an answer about a final range. Its readings
 * can no longer change, but its cost and socket names change with the
 * household's own edits (a tariff, a name), which a browser's cache would
 * hide for as long as it keeps the answer: five minutes, then a cheap
 * revalidation (304 when nothing changed).
 */
export const FINAL_MAX_AGE_S = 300;
/** Below this, compressing costs more than it saves (koa-compress's threshold too). */
const COMPRESS_THRESHOLD = 1024;

export type Freshness =
  /** Every reading of the range is stored: only the household's own edits (tariff, names) change it. */
  | { readonly kind: 'final' }
  /** Stands until this instant (ms): the live view until the next device-minute. */
  | { readonly kind: 'until'; readonly untilMs: number }
  /** May change any moment (late data for a range not yet final): revalidate every time. */
  | { readonly kind: 'revalidate' };

type Encoding = 'br' | 'gzip';

/**
 * One answer as it goes on the wire: its bytes, its weak ETag (the hash of
 * the body, whatever the encoding) and its compressed forms, each made once
 * on first use — an answer kept by the answer cache is sent again and
 * again, and compressing it each time cost more than building it.
 */
export class Answer {
  readonly raw: Buffer;
  readonly etag: string;
  private gzip: Buffer | undefined;
  private br: Buffer | undefined;

  /**
   * `kept`: compressed harder (gzip 6, brotli 5), for an answer that will be
   * sent many times (a final range); otherwise the fastest levels.
   */
  constructor(
    body: unknown,
    readonly type = 'application/json',
    private readonly kept = false,
  ) {
    this.raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    this.etag = `W/"${createHash('sha1').update(this.raw).digest('base64url')}"`;
  }

  /** What it may take in memory: the body and at most about as much again for each compressed form. */
  get bytes(): number {
    return 3 * this.raw.length + 256;
  }

  encoded(enc: Encoding): Buffer {
    if (enc === 'br')
      return (this.br ??= brotliCompressSync(this.raw, {
        params: { [constants.BROTLI_PARAM_QUALITY]: this.kept ? 5 : 1 },
      }));
    return (this.gzip ??= gzipSync(this.raw, { level: this.kept ? 6 : 1 }));
  }
}

/**
 * Sends a readings answer with its ETag, `304 Not Modified` when the client
 * holds it, and an honest Cache-Control: always private (a household's
 * data); final ranges kept FINAL_MAX_AGE_S, the live view until its next
 * device-minute, the rest revalidated. The body goes out in the compressed
 * form the answer keeps (koa-compress leaves an encoded body alone).
 */
export function sendAnswer(ctx: Context, answer: Answer, freshness: Freshness, nowMs: number): void {
  ctx.set('ETag', answer.etag);
  ctx.set('Cache-Control', cacheControl(freshness, nowMs));
  ctx.vary('Accept-Encoding');
  ctx.type = answer.type;
  // Koa's freshness check reads the status, which is 404 until a body is set.
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  if (answer.raw.length >= COMPRESS_THRESHOLD) {
    const enc = ctx.acceptsEncodings('br', 'gzip', 'identity');
    if (enc === 'br' || enc === 'gzip') {
      ctx.set('Content-Encoding', enc);
      ctx.body = answer.encoded(enc);
      return;
    }
  }
  ctx.body = answer.raw;
}

function cacheControl(f: Freshness, nowMs: number): string {
  switch (f.kind) {
    case 'final':
      return `private, max-age=${FINAL_MAX_AGE_S}`;
    case 'until':
      return `private, max-age=${Math.max(0, Math.floor((f.untilMs - nowMs) / 1000))}`;
    case 'revalidate':
      return 'private, no-cache';
  }
}
