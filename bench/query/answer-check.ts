/**
 * One look at what the timed loops only count: the answers carry the
 * household's data (a bench that measured empty answers would flatter).
 */
import { BROWSER_ENCODING, GRAFANA_ENCODING, boardRefreshRequests, portalPath } from './views.js';
import { bodyText, type WireAnswer, type WireClient } from './wire-client.js';

export interface CheckedUser {
  readonly client: WireClient;
  readonly token: string;
  readonly hh: { readonly timeZone: string; readonly grafanaToken: string };
}

function json<T>(a: WireAnswer, what: string): T {
  const text = bodyText(a);
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Throws when a view is empty; returns the day chart's number of points and a one-line summary. */
export async function checkAnswers(
  u: CheckedUser,
  sockets: number,
): Promise<{ points: number; summary: string }> {
  const portal = { authorization: `Bearer ${u.token}`, 'accept-encoding': BROWSER_ENCODING };
  const now = Date.now();
  const live = json<{ sockets: { watts: number | null }[] }>(
    await u.client.get(portalPath('live', now), portal),
    'live',
  );
  const chart = json<{ timestamps: unknown[]; series: { watts: (number | null)[] }[] }>(
    await u.client.get(portalPath('dayChart', now), portal),
    'day chart',
  );
  const bars = json<{ buckets: { kwh: number }[] }>(
    await u.client.get(portalPath('monthBars', now), portal),
    'month bars',
  );
  const kwh = bars.buckets.reduce((n, b) => n + b.kwh, 0);
  const known = chart.series.flatMap((s) => s.watts).filter((w) => w !== null).length;
  if (live.sockets.length !== sockets)
    throw new Error(`live: ${live.sockets.length} sockets, not ${sockets}`);
  if (known === 0 || kwh <= 0) throw new Error(`empty views: ${known} chart values, ${kwh} kWh`);
  const grafana = { authorization: `Bearer ${u.hh.grafanaToken}`, 'accept-encoding': GRAFANA_ENCODING };
  const empty: string[] = [];
  for (const { path: p } of boardRefreshRequests(now, u.hh.timeZone)) {
    const r = json<{ data?: { result?: unknown[] } }>(await u.client.get(p, grafana), 'grafana');
    if (!r.data?.result?.length) empty.push(decodeURIComponent(p));
  }
  return {
    points: chart.timestamps.length,
    summary: `live ${live.sockets.length} sockets; day chart ${chart.timestamps.length} steps × ${chart.series.length} series; month ${bars.buckets.length} bars, ${kwh.toFixed(1)} kWh; ${
      empty.length
        ? `Grafana panels without data (a window shorter than their range?):\n    ${empty.join('\n    ')}`
        : 'every Grafana panel has data'
    }`,
  };
}
