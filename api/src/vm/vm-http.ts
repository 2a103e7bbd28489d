import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * POSTs a form to VictoriaMetrics and reads the answer as text, over
 * kept-alive connections and uncompressed. Every readings view that misses
 * its kept answer reads through here: the global fetch (undici, web
 * streams, an AbortSignal per request) and gunzipping VictoriaMetrics'
 * answers over loopback were a quarter of the API's CPU on a Grafana
 * board's refresh (docs/benchmarks.md, Query).
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};
/** Longer than any query VictoriaMetrics lets run (its -search.maxQueryDuration is 30 s). */
const TIMEOUT_MS = 60_000;

export function postForm(url: string, form: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      {
        method: 'POST',
        agent: agents[secure ? 'https:' : 'http:'],
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
          'accept-encoding': 'identity',
        },
        timeout: TIMEOUT_MS,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`VictoriaMetrics did not answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(form);
  });
}
