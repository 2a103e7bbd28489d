import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/**
 * The board for one household: the constants `price_per_kwh` and `currency`
 * set (grafana/README.md). A copy; the loaded board is shared.
 */
export function householdDashboard(base: Dashboard, pricePerKwh: number, currency: string): Dashboard {
  const d = structuredClone(base);
  delete d.id; // Grafana matches by uid; a stale numeric id would point at another org's board.
  const values: Record<string, string> = { price_per_kwh: String(pricePerKwh), currency };
  const list = (d.templating?.list ?? []) as Record<string, unknown>[];
  for (const name of Object.keys(values)) {
    const v = list.find((x) => x.name === name && x.type === 'constant');
    if (!v) throw new Error(`the household board has no constant variable ${name}`);
    const value = values[name] ?? '';
    v.query = value;
    v.current = { text: value, value };
    v.options = [{ text: value, value, selected: true }];
  }
  return d;
}
