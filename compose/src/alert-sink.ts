import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's operator-alert sink: Alertmanager's webhook receiver for the
 * operators (POST /alerts, unless OPERATORS_WEBHOOK_URL is set) and the
 * dead man's switch for the Watchdog (POST /deadman, unless DEADMAN_URL is
 * set). It logs every alert, keeps the last ones for GET /alerts, and says
 * when the Watchdog stops arriving (GET /deadman). A real deployment points
 * both variables at services outside the monitoring host.
 */
export interface AlertSinkOptions {
  readonly port: number;
  /** One line per alert and per dead-man state change is appended here. */
  readonly logFile: string;
  /** How many alerts GET /alerts keeps (newest first). */
  readonly keep?: number;
  /** The Watchdog repeats every minute; this long without one is "silent". */
  readonly deadmanSilenceMs?: number;
}

/** One alert as Alertmanager's webhook payload carries it, with when the sink got it. */
export interface ReceivedAlert {
  readonly receivedAt: string;
  readonly receiver: string;
  readonly status: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
}

export interface DeadmanState {
  readonly lastPingAt: string | null;
  /** False before the first ping and once pings stop for deadmanSilenceMs. */
  readonly alive: boolean;
}

export interface AlertSink {
  readonly url: string;
  readonly alertsUrl: string;
  readonly deadmanUrl: string;
  close(): Promise<void>;
}

/** The body Alertmanager posts (webhook version 4); only what the sink keeps. */
interface WebhookPayload {
  readonly receiver?: unknown;
  readonly alerts?: unknown;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startAlertSink(o: AlertSinkOptions): Promise<AlertSink> {
  const keep = o.keep ?? 100;
  const silenceMs = o.deadmanSilenceMs ?? 5 * 60_000;
  const alerts: ReceivedAlert[] = [];
  let lastPing: number | undefined;
  let reportedSilent = false;
  const log = (line: string) => appendFileSync(o.logFile, `${new Date().toISOString()} ${line}\n`);

  const deadman = (): DeadmanState => ({
    lastPingAt: lastPing === undefined ? null : new Date(lastPing).toISOString(),
    alive: lastPing !== undefined && Date.now() - lastPing < silenceMs,
  });
  // The switch's purpose: say so when the heartbeat stops, once per silence.
  const watch = setInterval(() => {
    if (lastPing !== undefined && !deadman().alive && !reportedSilent) {
      reportedSilent = true;
      log(
        `dead man's switch: silent — no Watchdog since ${new Date(lastPing).toISOString()}; the alerting path is down`,
      );
    }
  }, 10_000);
  watch.unref();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/alerts') return json(res, 200, { alerts });
    if (req.method === 'GET' && path === '/deadman') return json(res, 200, deadman());
    if (req.method === 'POST' && (path === '/alerts' || path === '/deadman')) {
      readPayload(req)
        .then(toAlerts)
        .then(
          (received) => {
            if (path === '/deadman') {
              if (reportedSilent) log(`dead man's switch: the Watchdog is back`);
              lastPing = Date.now();
              reportedSilent = false;
            } else {
              for (const a of received) {
                log(
                  `${a.status} ${a.labels.alertname ?? '?'} ${JSON.stringify(a.labels)} ${a.annotations.summary ?? ''}`,
                );
              }
              alerts.unshift(...received.reverse());
              alerts.splice(keep);
            }
            json(res, 200, { received: received.length });
          },
          (err: unknown) =>
            json(res, 400, {
              error: { code: 'bad_webhook', message: err instanceof Error ? err.message : 'unreadable body' },
            }),
        );
      return;
    }
    json(res, 404, { error: { code: 'not_found', message: 'not found' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    alertsUrl: `${url}/alerts`,
    deadmanUrl: `${url}/deadman`,
    close: () => closeServer(server, watch),
  };
}

function closeServer(server: Server, watch: NodeJS.Timeout): Promise<void> {
  clearInterval(watch);
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readPayload(req: IncomingMessage): Promise<WebhookPayload> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not an Alertmanager webhook payload');
  return parsed;
}

function toAlerts(p: WebhookPayload): ReceivedAlert[] {
  if (!Array.isArray(p.alerts)) throw new Error('no alerts array: not an Alertmanager webhook payload');
  const receivedAt = new Date().toISOString();
  return p.alerts.map((a: unknown) => {
    const alert = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    return {
      receivedAt,
      receiver: typeof p.receiver === 'string' ? p.receiver : '',
      status: typeof alert.status === 'string' ? alert.status : '',
      labels: strings(alert.labels),
      annotations: strings(alert.annotations),
      startsAt: typeof alert.startsAt === 'string' ? alert.startsAt : '',
    };
  });
}

function strings(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
