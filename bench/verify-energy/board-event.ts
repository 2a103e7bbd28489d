/**
 * Event 8: the household Grafana board's daily kWh and cost equal the API's.
 * A household in New York on a time-of-use tariff sends yesterday (local),
 * its device stating its completeness watermark with every batch, so the day
 * becomes final; the API's write-back loop then writes the day's kWh and cost
 * per socket (api/src/grafana/daily-writeback-loop.ts). The board's own
 * panel queries (lib/src/grafana-panel-queries.ts expands them as Grafana
 * does) are sent through the API's `/prometheus` as the household, and each
 * socket's kWh and the household's cost that day are compared with
 * `/energy?bucket=day`. Rows: board kWh against the API's (the "truth" column
 * holds the API's); a cost off by more than half a cent is a failure.
 */
import { readFileSync } from 'node:fs';
import { boardPanelQueries, panelQueryRequest } from '@energy/lib/grafana-panel-queries';
import type { Row } from './compare.js';
import { deviationPct } from './compare.js';
import { home, lastWholeDay, type EnergyEvent } from './events.js';
import { energy, prometheus, setTariff, type Household } from './household-client.js';
import { waitForSamples } from './ingested.js';
import { publishAs } from './publish.js';
import { minuteStream } from './timeline.js';
import { randomInt } from 'node:crypto';

const BOARD = new URL('../../grafana/dashboards/household/household-energy.json', import.meta.url);
const ZONE = 'America/New_York';
const KWH_PANEL = 'kWh per day (last 30 days)';
const COST_PANEL = 'Cost per day ($currency, last 30 days)';
const DAY_S = 86_400;

/** Peak 07:00-22:00, a night rate past midnight on weekdays, the flat rate otherwise. */
const TARIFF = {
  periods: [
    {
      from: '2000-01-01',
      pricePerKwh: 0.2871,
      windows: [
        { start: '07:00', end: '22:00', pricePerKwh: 0.4113 },
        { days: [1, 2, 3, 4, 5], start: '22:00', end: '02:00', pricePerKwh: 0.1297 },
      ],
    },
  ],
};

interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** The value a daily panel shows for the local day starting at `dayStartS`: the step whose window (t − 1 d, t] holds it. */
const onDay = (s: RangeSeries, dayStartS: number): number | undefined => {
  const v = s.values.find(([t]) => dayStartS > t - DAY_S && dayStartS <= t);
  return v === undefined ? undefined : Number(v[1]);
};

async function boardPanel(h: Household, title: string): Promise<RangeSeries[]> {
  const board = JSON.parse(readFileSync(BOARD, 'utf8')) as unknown;
  const q = boardPanelQueries(board, { nowMs: Date.now(), timeZone: ZONE }).find((x) => x.panel === title);
  if (!q) throw new Error(`the household board has no panel "${title}"`);
  const { path, params } = panelQueryRequest(q);
  return prometheus<{ result: RangeSeries[] }>(h, path, params).then((d) => d.result);
}

export const BOARD_DAILY: EnergyEvent = {
  name: "the household Grafana board's daily kWh and cost (written back) equal the API's",
  async run(stack) {
    const name = BOARD_DAILY.name;
    const h = await home(stack, 'board-daily', ZONE);
    await setTariff(h.household, TARIFF);
    const day = lastWholeDay(ZONE);
    // Each batch states everything up to its end is stored (sent in order): the day becomes final.
    const stream = minuteStream(h.model, {
      fromS: day.startMs / 1000,
      toS: day.endMs / 1000,
      epochs: [{ bootId: randomInt(1, 2 ** 31), startS: day.startMs / 1000 }],
    }).map((b) => ({ ...b, completeUntilS: b.endUnixS }));
    await publishAs(stack.vhost, h.device, stream);
    const minutes = new Set(stream.map((b) => b.endUnixS)).size + 1;
    await waitForSamples(stack.vmUrl, () => stack.flushVm(), h.household.id, minutes * h.model.sockets);

    const dayStartS = day.startMs / 1000;
    const failures: string[] = [];
    // The write-back loop runs every second in this stack (DAILY_WRITEBACK_MS): wait for the day.
    let kwh: RangeSeries[] = [];
    let cost: RangeSeries[] = [];
    for (let i = 0; i < 120; i++) {
      await stack.flushVm();
      kwh = await boardPanel(h.household, KWH_PANEL);
      cost = await boardPanel(h.household, COST_PANEL);
      if (kwh.filter((s) => onDay(s, dayStartS) !== undefined).length >= h.model.sockets && cost.length > 0)
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const answer = await energy(h.household, 'day', day.startMs, day.endMs - 1);
    const api = answer.buckets.find((b) => Date.parse(b.start) === day.startMs);
    if (!api) throw new Error(`the API has no bucket for ${new Date(day.startMs).toISOString()}`);
    const rows: Row[] = [];
    for (let s = 0; s < h.model.sockets; s++) {
      const want = api.sockets.find((x) => x.device === h.device.id && x.socket === s)?.kwh ?? 0;
      const series = kwh.find((x) => x.metric.device === h.device.id && x.metric.socket === String(s));
      const got = series ? onDay(series, dayStartS) : undefined;
      if (got === undefined) failures.push(`${name}: the board shows no kWh for socket ${s} on ${api.start}`);
      rows.push({
        event: name,
        bucket: 'day',
        start: api.start,
        socket: s,
        apiKwh: got ?? 0,
        truthKwh: want,
        deviationPct: deviationPct(got ?? 0, want),
      });
    }
    const boardCost = cost[0] ? onDay(cost[0], dayStartS) : undefined;
    if (boardCost === undefined || Math.abs(boardCost - (api.cost ?? NaN)) > 0.005)
      failures.push(`${name}: the board's cost ${boardCost} against the API's ${api.cost} on ${api.start}`);
    return {
      // The API against the simulator's truth is events 1-7's; this one compares the board with the API.
      checks: [],
      expected: [],
      rows,
      failures,
    };
  },
};
