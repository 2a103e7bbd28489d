import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsHttpServerOptions {
  readonly port: number;
  /** What /metrics serves. */
  readonly registry: Registry;
  /** /readyz answers 200 while this holds, 503 otherwise. */
  readonly isReady: () => boolean;
  /** The 503 body of /readyz: one line an operator reads, saying what the service waits for. */
  readonly notReadyText: string;
  /** Loopback unless told: a scrape target is not a public endpoint. */
  readonly host?: string;
}

/**
 * The operations listener every long-running process but the API has (the
 * API's Koa app serves the same three paths itself): /metrics, /healthz
 * (the process answers) and /readyz (it does its job).
 */
export function startOpsHttpServer(o: OpsHttpServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': o.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err instanceof Error ? err.message : 'metrics failed');
        },
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const ready = o.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? 'ready\n' : `${o.notReadyText}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve(server));
  });
}
