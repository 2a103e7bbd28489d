import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  boardPanelQueries,
  panelQueryRequest,
  parseDateMath,
  roundInterval,
  type PanelQuery,
} from './grafana-panel-queries.js';

// A read, not an import: the household board is the JSON Grafana is given.
const householdBoard: unknown = JSON.parse(
  readFileSync(new URL('../../grafana/dashboards/household/household-energy.json', import.meta.url), 'utf8'),
);

const s = (iso: string): number => Date.parse(iso) / 1000;
const NOW = Date.parse('2026-12-01T14:30:07Z'); // 15:30 in Berlin
const BERLIN = 'Europe/Berlin';

const board = {
  time: { from: 'now/d', to: 'now' },
  templating: { list: [{ name: 'price_per_kwh', type: 'constant', query: '0.30' }] },
  panels: [
    {
      title: 'today',
      type: 'timeseries',
      gridPos: { w: 24 },
      targets: [{ refId: 'A', expr: 'sum(rate(x[$__rate_interval])) * $__interval_ms' }],
    },
    {
      title: 'energy today',
      type: 'stat',
      gridPos: { w: 6 },
      timeFrom: 'now/d',
      targets: [{ refId: 'A', expr: 'sum(increase(e[$__range])) * ${price_per_kwh}', instant: true }],
    },
    {
      title: 'days',
      type: 'row',
      panels: [
        {
          title: 'per day',
          type: 'barchart',
          gridPos: { w: 12 },
          timeFrom: '30d',
          targets: [{ refId: 'B', expr: 'increase(e[$__interval])', interval: '1d' }],
        },
        { title: 'few points', gridPos: { w: 24 }, maxDataPoints: 10, targets: [{ expr: 'x' }] },
        { title: 'hidden', targets: [{ expr: 'x', hide: true }] },
      ],
    },
  ],
};

function byPanel(qs: PanelQuery[], title: string): PanelQuery {
  const q = qs.find((x) => x.panel === title);
  assert.ok(q, `no query of panel ${title}`);
  return q;
}

test('Grafana rounding of intervals', () => {
  assert.equal(roundInterval(29_062), 30_000);
  assert.equal(roundInterval(2_700_000), 1_800_000);
  assert.equal(roundInterval(100_000), 120_000);
  assert.equal(roundInterval(1e12), 31_536_000_000);
});

test('date math rounds in the viewer zone', () => {
  assert.equal(parseDateMath('now/d', NOW, BERLIN), Date.parse('2026-11-30T23:00:00Z'));
  assert.equal(parseDateMath('now/d', NOW, BERLIN, true), Date.parse('2026-12-01T23:00:00Z') - 1);
  assert.equal(parseDateMath('now/M', NOW, BERLIN), Date.parse('2026-11-30T23:00:00Z'));
  assert.equal(parseDateMath('now-30d', NOW, BERLIN), NOW - 30 * 86_400_000);
  assert.equal(parseDateMath('now-1h', NOW, 'UTC'), NOW - 3_600_000);
  assert.throws(() => parseDateMath('yesterday', NOW, 'UTC'), /unsupported/);
});

test('a full-width time series: step from the width, aligned, rate interval from the scrape interval', () => {
  const q = byPanel(boardPanelQueries(board, { nowMs: NOW, timeZone: BERLIN }), 'today');
  // 15.5 h over 1920 px = 29 s → 30 s.
  assert.equal(q.step, 30);
  assert.equal(q.kind, 'range');
  assert.equal(q.start, s('2026-11-30T23:00:00Z'));
  assert.equal(q.end, s('2026-12-01T14:30:00Z'));
  assert.equal(q.expr, 'sum(rate(x[60s])) * 30000');
  const r = panelQueryRequest(q);
  assert.equal(r.path, '/api/v1/query_range');
  assert.equal(r.params.get('step'), '30');
  assert.equal(r.params.get('start'), String(q.start));
});

test('an instant stat over the whole day: $__range and a constant variable, the request at the range end', () => {
  const qs = boardPanelQueries(board, { nowMs: NOW, timeZone: BERLIN, variables: { price_per_kwh: '0.32' } });
  const q = byPanel(qs, 'energy today');
  assert.equal(q.kind, 'instant');
  assert.equal(q.expr, 'sum(increase(e[86400s])) * 0.32');
  const r = panelQueryRequest(q);
  assert.equal(r.path, '/api/v1/query');
  assert.equal(r.params.get('time'), String(s('2026-12-01T23:00:00Z')));
  // Without an override the constant's own value.
  const d = byPanel(boardPanelQueries(board, { nowMs: NOW, timeZone: BERLIN }), 'energy today');
  assert.match(d.expr, /\* 0\.30$/);
});

test('a min interval bounds the step; maxDataPoints beats the width; rows are opened; hidden targets skipped', () => {
  const qs = boardPanelQueries(board, { nowMs: NOW, timeZone: BERLIN });
  const days = byPanel(qs, 'per day');
  assert.equal(days.step, 86_400);
  assert.equal(days.expr, 'increase(e[86400s])');
  // Aligned to midnight in Berlin (UTC+1), as Grafana aligns with the viewer's UTC offset.
  assert.equal((days.start + 3600) % 86_400, 0);
  assert.equal(days.end, s('2026-11-30T23:00:00Z'));
  const few = byPanel(qs, 'few points');
  // 15.5 h / 10 points = 93 min → 2 h.
  assert.equal(few.step, 7200);
  assert.equal(
    qs.find((q) => q.panel === 'hidden'),
    undefined,
  );
  assert.equal(qs.length, 4);
});

test('the household board expands completely', () => {
  const qs = boardPanelQueries(householdBoard, { nowMs: NOW, timeZone: BERLIN });
  assert.ok(qs.length >= 10, `${qs.length} queries`);
  for (const q of qs) {
    assert.doesNotMatch(q.expr, /\$/, `${q.panel}: ${q.expr}`);
    assert.ok(q.step >= 15 && q.end >= q.start, `${q.panel}: ${JSON.stringify(q)}`);
  }
  assert.ok(qs.some((q) => q.kind === 'instant') && qs.some((q) => q.kind === 'range'));
});
