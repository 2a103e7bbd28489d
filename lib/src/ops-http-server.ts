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
 * How long an idle keep-alive connection stays open. Node's default (5 s) is
 * shorter than any scrape interval, so the server closed the scraper's
 * connection between two scrapes; vmagent 1.79 (fasthttp) then tried the
 * stale connection first, got "connection closed", slept 2 s and retried on
 * a new one — every scrape_duration_seconds read ≈ 2.0 s while the page
 * took a few milliseconds (compose/monitoring/README.md, "Scrape
 * durations"). Longer than vmagent's idle hold (twice the scrape interval,
 * for intervals up to a minute), so the scraper closes first.
 */
export const SCRAPE_KEEP_ALIVE_MS = 130_000;

/** Keeps a scraper's idle connection open from one scrape to the next (see SCRAPE_KEEP_ALIVE_MS). */
export function keepScrapeConnectionsAlive(server: Server): void {
  server.keepAliveTimeout = SCRAPE_KEEP_ALIVE_MS;
  // A request's headers must arrive within this; it must exceed the idle
  // timeout or a reused connection's next request could be cut short.
  server.headersTimeout = SCRAPE_KEEP_ALIVE_MS + 5_000;
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
  keepScrapeConnectionsAlive(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve(server));
  });
}
