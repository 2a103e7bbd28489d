import type { Field } from './config.js';

/**
 * A list of broker addresses: `AMQP_URLS` (comma-separated) names the nodes
 * of a cluster, `AMQP_URL` alone one node as before. Exporters and the
 * collector connect to one address and, when that connection is lost or
 * refused, go on to the next (round robin), so a node that dies only moves
 * its clients to the surviving ones.
 */

const SCHEMES = new Set(['amqp:', 'amqps:']);

/** Every address of a comma-separated list, trimmed, duplicates dropped; each problem named. */
export function parseBrokerUrls(raw: string, name = 'AMQP_URLS'): { urls: string[]; problems: string[] } {
  const urls: string[] = [];
  const problems: string[] = [];
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) problems.push(`${name} holds no address`);
  for (const p of parts) {
    let u: URL;
    try {
      u = new URL(p);
    } catch {
      problems.push(`${name}: ${redact(p)} is not a URL`);
      continue;
    }
    if (!SCHEMES.has(u.protocol)) {
      problems.push(`${name}: ${redact(p)} is not an amqp:// or amqps:// address`);
      continue;
    }
    if (!urls.includes(p)) urls.push(p);
  }
  return { urls, problems };
}

/** A password in a config problem would end up in logs. */
function redact(s: string): string {
  return s.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The config field for `AMQP_URLS`: unset or empty is undefined (then `AMQP_URL` applies). */
export function brokerUrlsField(): Field<readonly string[] | undefined> {
  return {
    read(name, raw, problems) {
      if (raw === undefined || raw.trim() === '') return undefined;
      const r = parseBrokerUrls(raw, name);
      problems.push(...r.problems);
      return r.urls;
    },
  };
}

/** `AMQP_URLS` when given, else the one `AMQP_URL`. */
export function brokerUrls(list: readonly string[] | undefined, single: string): readonly string[] {
  return list !== undefined && list.length > 0 ? list : [single];
}

/**
 * Where a client starts in the list: the same client always starts on the
 * same node (FNV-1a of its name), and many clients spread evenly over the
 * nodes instead of all logging in to the first.
 */
export function startIndexFor(key: string, count: number): number {
  if (count <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

/** The failover order: the current address, and the next one after a loss. */
export class BrokerAddressRing {
  private index: number;

  constructor(
    readonly urls: readonly string[],
    start = 0,
  ) {
    if (urls.length === 0) throw new Error('no broker address');
    this.index = ((start % urls.length) + urls.length) % urls.length;
  }

  get current(): string {
    return this.urls[this.index] as string;
  }

  /** Moves on to the next address (wrapping) and returns it. */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }
}
