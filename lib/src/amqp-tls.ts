import { readFileSync } from 'node:fs';

/**
 * The TLS socket options every AMQP client of ours passes to amqplib's
 * `connect(url, socketOptions)` (the exporter's publisher and the
 * collector's consumer): with an `amqps://` URL the broker's certificate is
 * verified against `caFile` (the local CA, `STATE_DIR/tls/ca.crt`, or a
 * deployment's own) instead of the system's roots. Node verifies the chain
 * and the host name or IP address by default; nothing here turns that off.
 */
export interface AmqpSocketOptions {
  /** PEM certificates to trust; absent: Node's bundled roots (a public CA). */
  readonly ca?: Buffer[];
  readonly rejectUnauthorized?: true;
}

export function isAmqps(url: string): boolean {
  return url.trim().toLowerCase().startsWith('amqps:');
}

/** Read once at start: a missing CA file is a configuration error, not a retry. */
export function amqpSocketOptions(url: string, caFile: string | undefined): AmqpSocketOptions {
  if (!isAmqps(url)) return {};
  if (!caFile) return { rejectUnauthorized: true };
  try {
    return { ca: [readFileSync(caFile)], rejectUnauthorized: true };
  } catch (err) {
    throw new Error(`AMQP_CA_FILE ${caFile}: ${(err as Error).message}`, { cause: err });
  }
}

/** A config problem worth refusing at start: a CA file given for a plain URL means the URL is wrong. */
export function amqpTlsProblem(url: string, caFile: string | undefined): string | undefined {
  if (caFile && !isAmqps(url))
    return `AMQP_CA_FILE is set but the broker URL is not amqps:// — passwords would travel in the clear`;
  return undefined;
}
