/**
 * GETs over node:http keep-alive connections that report the bytes each
 * answer took on the wire: koa-compress drops Content-Length, so the size is
 * the socket's `bytesRead` over the response (status line, headers and the
 * compressed body as sent). The body is kept compressed; the bench does not
 * pay for decompressing it unless asked.
 */
import { Agent, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export interface WireAnswer {
  readonly status: number;
  readonly ms: number;
  /** Bytes of the response read from the socket. */
  readonly wireBytes: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: Buffer;
}

export class WireClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });

  constructor(private readonly base: string) {}

  /**
   * One GET; retried once when a kept-alive connection was closed by the
   * server while idle (its keep-alive timeout racing our reuse: the request
   * never reached it). The time counts from the first attempt.
   */
  async get(path: string, headers: Record<string, string>): Promise<WireAnswer> {
    const t0 = performance.now();
    try {
      return await this.once(path, headers, t0);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket !== true) throw err;
      return this.once(path, headers, t0);
    }
  }

  private once(path: string, headers: Record<string, string>, t0: number): Promise<WireAnswer> {
    return new Promise((resolve, reject) => {
      let readBefore = 0;
      let socket: { bytesRead: number } | undefined;
      const req = request(new URL(path, this.base), { agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            wireBytes: (socket?.bytesRead ?? 0) - readBefore,
            headers: res.headers,
            rawBody: Buffer.concat(chunks),
          });
        });
        res.on('error', reject);
      });
      // A reused socket has read earlier answers already: count from here.
      req.on('socket', (s) => {
        socket = s;
        readBefore = s.bytesRead;
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code;
        reject(
          Object.assign(err, {
            reusedSocket: req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'),
          }),
        );
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The decoded body of an answer (checks only, never in a timed loop). */
export function bodyText(a: WireAnswer): string {
  const enc = a.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(a.rawBody).toString('utf8');
  if (enc === 'gzip') return gunzipSync(a.rawBody).toString('utf8');
  return a.rawBody.toString('utf8');
}
