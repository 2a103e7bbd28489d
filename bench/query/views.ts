/**
 * What one user's screen asks, request by request: the portal's three views
 * (api/src/portal/browser/portal.ts) and one refresh of the household
 * Grafana board (its panel queries expanded by lib's grafana-panel-queries,
 * as Grafana's Prometheus datasource sends them through /prometheus).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { boardPanelQueries, intervalMs, panelQueryRequest } from '@energy/lib/grafana-panel-queries';

/** A browser's Accept-Encoding; Grafana's Go client asks for gzip only. */
export const BROWSER_ENCODING = 'gzip, deflate, br';
export const GRAFANA_ENCODING = 'gzip';

export type PortalView = 'live' | 'dayChart' | 'monthBars';
export const PORTAL_CYCLE: readonly PortalView[] = ['live', 'dayChart', 'monthBars'];

/** The portal's request for a view at `nowMs`: the last 24 h at 5-minute steps; a month of daily bars. */
export function portalPath(view: PortalView, nowMs: number): string {
  switch (view) {
    case 'live':
      return '/api/v1/readings/live';
    case 'dayChart': {
      const from = new Date(nowMs - 86_400_000).toISOString();
      const to = new Date(nowMs).toISOString();
      return `/api/v1/readings/power?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&step=300`;
    }
    case 'monthBars': {
      // As the portal builds `from`: the browser's clock moved back a month, time of day kept.
      const from = new Date(nowMs);
      from.setMonth(from.getMonth() - 1);
      return `/api/v1/readings/energy?bucket=day&from=${encodeURIComponent(from.toISOString())}`;
    }
  }
}

const HOUSEHOLD_BOARD = fileURLToPath(
  new URL('../../grafana/dashboards/household/household-energy.json', import.meta.url),
);
const board: unknown = JSON.parse(readFileSync(HOUSEHOLD_BOARD, 'utf8'));

/** How often Grafana refreshes an open household board: the board's own `refresh` ("1m"). */
export const BOARD_REFRESH_MS = intervalMs((board as { refresh?: string }).refresh ?? '1m');

/** The requests (path with query string, and the panel's title) of one board refresh for a viewer in `timeZone`. */
export function boardRefreshRequests(nowMs: number, timeZone: string): { panel: string; path: string }[] {
  return boardPanelQueries(board, { nowMs, timeZone }).map((q) => {
    const r = panelQueryRequest(q);
    return { panel: q.panel, path: `/prometheus${r.path}?${r.params.toString()}` };
  });
}
