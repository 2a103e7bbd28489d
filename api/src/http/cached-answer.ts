import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context } from 'koa';
import { ByteLru, NO_OBSERVER, type CacheObserver } from '../core/readings/byte-lru.js';

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
  | { readonly kind: 'until'; readonly untilMs: number; readonly nowMs: number }
  /** May change any moment (late data for a range not yet final): revalidate every time. */
  | { readonly kind: 'revalidate' };

/**
 * The compressed bodies of final answers, by their ETag and encoding:
 * compressing a large answer costs more than computing it from cached
 * energy, and a final answer is asked again and again. Keyed by the hash of
 * the body itself, so a household's edit (a tariff, a socket name) makes a
 * new body with a new key, and no answer can be served to a request whose
 * own answer differs.
 */
export class CompressedBodies {
  private readonly lru: ByteLru<Buffer>;
  constructor(maxBytes = 64 * 2 ** 20, observer: CacheObserver = NO_OBSERVER) {
    this.lru = new ByteLru(maxBytes, observer);
  }

  body(etag: string, encoding: 'br' | 'gzip', raw: string): Buffer {
    const key = `${etag}|${encoding}`;
    let b = this.lru.get(key);
    if (!b) {
      b =
        encoding === 'br'
          ? brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
          : gzipSync(raw);
      this.lru.set(key, b, b.length + 128);
    }
    return b;
  }
}

/**
 * Sends a readings answer with a weak ETag (the hash of the body, whatever
 * the encoding), `304 Not Modified` when the client holds it, and an honest
 * Cache-Control: always private (a household's data); final ranges kept
 * FINAL_MAX_AGE_S, the live view until its next device-minute,
 * the rest revalidated. A final body goes out compressed from `bodies`.
 */
export function sendAnswer(
  ctx: Context,
  answer: unknown,
  opts: { readonly type?: string; readonly freshness: Freshness; readonly bodies: CompressedBodies },
): void {
  const raw = typeof answer === 'string' ? answer : JSON.stringify(answer);
  const etag = `W/"${createHash('sha1').update(raw).digest('base64url')}"`;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', cacheControl(opts.freshness));
  ctx.vary('Accept-Encoding');
  ctx.type = opts.type ?? 'application/json';
  // Koa's freshness check reads the status, which is 404 until a body is set.
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  if (opts.freshness.kind === 'final' && Buffer.byteLength(raw) >= COMPRESS_THRESHOLD) {
    const enc = ctx.acceptsEncodings('br', 'gzip', 'identity');
    if (enc === 'br' || enc === 'gzip') {
      ctx.set('Content-Encoding', enc);
      ctx.body = opts.bodies.body(etag, enc, raw);
      return;
    }
  }
  ctx.body = raw;
}

function cacheControl(f: Freshness): string {
  switch (f.kind) {
    case 'final':
      return `private, max-age=${FINAL_MAX_AGE_S}`;
    case 'until':
      return `private, max-age=${Math.max(0, Math.floor((f.untilMs - f.nowMs) / 1000))}`;
    case 'revalidate':
      return 'private, no-cache';
  }
}
