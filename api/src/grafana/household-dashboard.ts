import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { boardUidOf, type HouseholdForGrafana } from './grafana-provisioner.js';

/** Same depth from src/grafana and dist/grafana; the image ships the whole repository. */
export const HOUSEHOLD_DASHBOARD_PATH = fileURLToPath(
  new URL('../../../grafana/dashboards/household/household-energy.json', import.meta.url),
);

export type Dashboard = Record<string, unknown> & { uid: string; templating?: { list?: unknown[] } };

export function loadHouseholdDashboard(path = HOUSEHOLD_DASHBOARD_PATH): Dashboard {
  const d = JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
  if (typeof d.uid !== 'string') throw new Error(`${path} has no uid`);
  return d;
}

/** The legend the template gives a socket's series (build-dashboards.ts: `{{device}} / {{socket}}`). */
const socketSeriesName = (device: string, socket: number): string => `${device} / ${socket}`;

/**
 * The board of one household from the template (grafana/README.md): its
 * own uid and title, the household's time zone (day buckets and the x axis),
 * the constants `price_per_kwh` and `currency`, and every socket's series
 * shown under the name the household gave it. A copy; the template is shared.
 */
export function householdDashboard(base: Dashboard, h: HouseholdForGrafana): Dashboard {
  const d = structuredClone(base);
  delete d.id; // Grafana matches by uid; a stale numeric id would point at another board.
  delete d.version; // set from what Grafana holds, for its optimistic locking (412)
  d.uid = boardUidOf(h.id);
  d.title = `${h.name} — energy`;
  d.timezone = h.timeZone;
  const values: Record<string, string> = { price_per_kwh: String(h.pricePerKwh), currency: h.currency };
  const list = (d.templating?.list ?? []) as Record<string, unknown>[];
  for (const name of Object.keys(values)) {
    const v = list.find((x) => x.name === name && x.type === 'constant');
    if (!v) throw new Error(`the household board has no constant variable ${name}`);
    const value = values[name] ?? '';
    v.query = value;
    v.current = { text: value, value };
    v.options = [{ text: value, value, selected: true }];
  }
  const renames = h.sockets.map((s) => ({
    matcher: { id: 'byName', options: socketSeriesName(s.device, s.socket) },
    properties: [{ id: 'displayName', value: s.name }],
  }));
  for (const p of (d.panels ?? []) as Record<string, unknown>[]) {
    const fc = p.fieldConfig as { overrides?: unknown[] } | undefined;
    if (fc) fc.overrides = [...renames];
  }
  return d;
}
