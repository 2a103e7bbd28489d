import { request, Agent } from 'node:http';
import type { RemoteWriter } from '../core/remote-writer.js';
import { classifyResponse, type WriteResult } from '../core/write-result.js';

/** The remote-write adapter: one keep-alive agent to VictoriaMetrics' /api/v1/write. */
export class RemoteWriteClient implements RemoteWriter {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    vmUrl: string,
    private readonly timeoutMs = 30_000,
  ) {
    // Relative to VM_URL's path: a VictoriaMetrics cluster's vminsert is
    // addressed as http://host:8480/insert/<tenant>/prometheus.
    this.url = new URL('api/v1/write', vmUrl.endsWith('/') ? vmUrl : `${vmUrl}/`);
  }

  writeOnce(compressed: Buffer): Promise<WriteResult> {
    return new Promise((resolve) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'snappy',
            'x-prometheus-remote-write-version': '0.1.0',
            'content-length': compressed.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve(
              classifyResponse(
                res.statusCode ?? 0,
                Buffer.concat(chunks).toString('utf8'),
                typeof retryAfter === 'string' ? retryAfter : null,
              ),
            );
          });
          res.on('error', (err) => resolve({ kind: 'retryable', error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => resolve({ kind: 'retryable', error: err.message }));
      req.end(compressed);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
