import { field, h, kwh, money, table } from '../dom.js';
import { energy, standby, type EnergyBucket } from '../energy.js';
import { navigate, type PageContext } from '../router.js';
import { devices, loadMe, socketName } from '../state.js';
import {
  BUCKET_OF,
  bucketLabel,
  localDate,
  PERIODS,
  periodOf,
  periodTitle,
  shift,
  startOf,
  type Period,
} from '../../zone.js';
import { stackedBars, type Layer } from './history-chart.js';

const total = (bs: readonly EnergyBucket[], f: (b: EnergyBucket) => number): number =>
  bs.reduce((a, b) => a + f(b), 0);

export async function historyPage({ view, query, signal }: PageContext): Promise<void> {
  const me = await loadMe();
  const tz = me.household.timeZone;
  const cur = me.household.currency;
  const period: Period = (PERIODS as readonly string[]).includes(query.get('period') ?? '')
    ? (query.get('period') as Period)
    : 'day';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') ?? '')
    ? (query.get('date') as string)
    : localDate(Date.now(), tz);
  const socket = query.get('socket') ?? '';
  const { first, next } = periodOf(period, date);
  const prevDate = shift(period, date, -1);
  const prevP = periodOf(period, prevDate);
  const bucket = BUCKET_OF[period];
  const [ds, sb, now, before] = await Promise.all([
    devices(),
    standby(),
    energy(bucket, startOf(first, tz), startOf(next, tz), signal),
    energy(bucket, startOf(prevP.first, tz), startOf(prevP.next, tz), signal),
  ]);
  const url = (p: Period, d: string, s: string) => {
    const q = new URLSearchParams({ period: p, date: d });
    if (s) q.set('socket', s);
    return `/history?${q.toString()}`;
  };
  const [selDev, selSock] = socket.split('/');
  const only = (b: EnergyBucket) =>
    b.sockets.find((s) => s.device === selDev && String(s.socket) === selSock);
  const keys = new Map<string, { device: string; socket: number }>();
  for (const b of now.buckets) for (const s of b.sockets) keys.set(`${s.device}/${s.socket}`, s);
  const houseMeters = new Set(
    ds.flatMap((d) => d.sockets.filter((s) => s.role === 'house-meter').map((s) => `${d.id}/${s.socket}`)),
  );

  view.append(h('h1', { tabindex: '-1' }, 'History'));
  const periodSel = h(
    'select',
    { id: 'period' },
    ...PERIODS.map((p) =>
      h('option', { value: p, selected: p === period }, p[0]?.toUpperCase() + p.slice(1)),
    ),
  );
  const socketSel = h(
    'select',
    { id: 'socket' },
    h('option', { value: '' }, 'Whole household'),
    ...[...keys.keys()]
      .filter((k) => !houseMeters.has(k))
      .map((k) => {
        const [d, s] = k.split('/');
        return h('option', { value: k, selected: k === socket }, socketName(ds, d ?? '', Number(s)));
      }),
  );
  periodSel.addEventListener('change', () => navigate(url(periodSel.value as Period, date, socket)));
  socketSel.addEventListener('change', () => navigate(url(period, date, socketSel.value)));
  const title = periodTitle(period, first, tz);
  const isCurrent = first === periodOf(period, localDate(Date.now(), tz)).first;
  view.append(
    h('div', { class: 'toolbar' }, field('Period', periodSel), field('Show', socketSel)),
    h(
      'div',
      { class: 'pager' },
      h(
        'a',
        { href: url(period, prevDate, socket), class: 'button', 'aria-label': `Previous ${period}` },
        '‹ Previous',
      ),
      h('h2', { id: 'period-title' }, title),
      isCurrent
        ? h('span', { class: 'button disabled', 'aria-disabled': 'true' }, 'Next ›')
        : h(
            'a',
            {
              href: url(period, shift(period, date, 1), socket),
              class: 'button',
              'aria-label': `Next ${period}`,
            },
            'Next ›',
          ),
    ),
  );

  const labels = now.buckets.map((b) => bucketLabel(period, b.start, tz));
  const layers: Layer[] = socket
    ? [{ label: socketName(ds, selDev ?? '', Number(selSock)), value: (b) => only(b)?.kwh ?? 0 }]
    : [
        ...[...keys.values()]
          .filter((s) => !houseMeters.has(`${s.device}/${s.socket}`))
          .map((s) => ({
            label: socketName(ds, s.device, s.socket),
            value: (b: EnergyBucket) =>
              b.sockets.find((x) => x.device === s.device && x.socket === s.socket)?.kwh ?? 0,
          })),
        ...(now.buckets.some((b) => b.untracked)
          ? [{ label: 'Untracked', value: (b: EnergyBucket) => b.untracked?.kwh ?? 0 }]
          : []),
      ];
  const prevBuckets = socket ? before.buckets.map((b) => ({ ...b, kwh: only(b)?.kwh ?? 0 })) : before.buckets;
  const kwhNow = socket ? total(now.buckets, (b) => only(b)?.kwh ?? 0) : total(now.buckets, (b) => b.kwh);
  const costNow = socket ? total(now.buckets, (b) => only(b)?.cost ?? 0) : total(now.buckets, (b) => b.cost);
  const kwhBefore = total(prevBuckets, (b) => b.kwh);
  const untracked = total(now.buckets, (b) => b.untracked?.kwh ?? 0);
  // Standby so far: a period still running counts only its hours until now.
  const hours = (Math.min(Date.now(), startOf(next, tz)) - startOf(first, tz)) / 3_600_000;
  const standbyW = socket
    ? (sb.sockets.find((s) => `${s.device}/${s.socket}` === socket)?.baselineWatts ?? 0)
    : sb.sockets.reduce((a, s) => a + s.baselineWatts, 0);
  view.append(
    h(
      'p',
      { class: 'summary', id: 'history-summary' },
      `${kwh(kwhNow)} · ${money(costNow, cur)} · previous ${period}: ${kwh(kwhBefore)}`,
      ` · standby about ${kwh((standbyW * hours) / 1000)}`,
      !socket && now.buckets.some((b) => b.untracked) ? ` · untracked ${kwh(untracked)}` : '',
    ),
  );
  const chartEl = h('figure', { id: 'chart', class: 'chart' });
  chartEl.append(
    h(
      'figcaption',
      { class: 'sr-only' },
      `Energy per ${bucket} for ${title}, stacked by socket, with the previous ${period} as a dashed line`,
    ),
  );
  view.append(chartEl);
  if (now.buckets.length) stackedBars(chartEl, now.buckets, prevBuckets, layers, labels);

  const rows = socket
    ? []
    : [...keys.values()].map((s) => {
        const k = `${s.device}/${s.socket}`;
        const sum = (bs: readonly EnergyBucket[], f: 'kwh' | 'cost') =>
          total(bs, (b) => b.sockets.find((x) => x.device === s.device && x.socket === s.socket)?.[f] ?? 0);
        const st = sb.sockets.find((x) => `${x.device}/${x.socket}` === k);
        return {
          cost: sum(now.buckets, 'cost'),
          row: [
            h(
              'a',
              { href: url(period, date, k) },
              socketName(ds, s.device, s.socket) + (houseMeters.has(k) ? ' (house meter)' : ''),
            ),
            kwh(sum(now.buckets, 'kwh')),
            money(sum(now.buckets, 'cost'), cur),
            kwh(sum(before.buckets, 'kwh')),
            st
              ? `${kwh((st.baselineWatts * hours) / 1000)} (${money((st.baselineWatts * hours * sb.pricePerKwh) / 1000, cur)})`
              : '–',
          ],
        };
      });
  rows.sort((a, b) => b.cost - a.cost);
  if (!socket && now.buckets.some((b) => b.untracked))
    rows.push({
      cost: 0,
      row: [
        'Untracked (house meter minus sockets)',
        kwh(untracked),
        money(
          total(now.buckets, (b) => b.untracked?.cost ?? 0),
          cur,
        ),
        kwh(total(before.buckets, (b) => b.untracked?.kwh ?? 0)),
        '–',
      ],
    });
  if (rows.length)
    view.append(
      table(
        ['Socket', 'Energy', 'Cost', `Previous ${period}`, 'Standby'],
        rows.map((r) => r.row),
        `Per socket, ${title}`,
      ),
    );
  else if (!now.buckets.some((b) => b.kwh > 0))
    view.append(h('p', { class: 'empty' }, 'No readings in this period.'));
}
