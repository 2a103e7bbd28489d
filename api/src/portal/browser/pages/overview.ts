import { h, kwh, money, table, watts } from '../dom.js';
import { energy, live, perSocket, standby, type EnergyBucket } from '../energy.js';
import type { PageContext } from '../router.js';
import { devices, loadMe, socketName } from '../state.js';
import { addDays, localDate, periodOf, shift, startOf } from '../../zone.js';

const sum = (bs: readonly EnergyBucket[], f: (b: EnergyBucket) => number): number =>
  bs.reduce((a, b) => a + f(b), 0);

function tile(label: string, value: string, detail: string, id: string): HTMLElement {
  return h(
    'section',
    { class: 'tile', id, 'aria-label': label },
    h('h2', {}, label),
    h('p', { class: 'big' }, value),
    h('p', { class: 'meta' }, detail),
  );
}

export async function overviewPage({ view, signal }: PageContext): Promise<void> {
  const me = await loadMe();
  const tz = me.household.timeZone;
  const cur = me.household.currency;
  const now = Date.now();
  const today = localDate(now, tz);
  const thisMonth = periodOf('month', today).first;
  const lastMonth = shift('month', today, -1);
  // Days of this month so far, and the same count of days at the start of last month.
  const daysSoFar = Math.round((startOf(addDays(today, 1), tz) - startOf(thisMonth, tz)) / 86_400_000);
  const [ds, lv, sb, days] = await Promise.all([
    devices(),
    live(),
    standby(),
    energy('day', startOf(lastMonth, tz), now, signal),
  ]);
  const inMonth = (b: EnergyBucket, first: string) =>
    localDate(Date.parse(b.start), tz).slice(0, 7) === first.slice(0, 7);
  const thisDays = days.buckets.filter((b) => inMonth(b, thisMonth));
  const lastSame = days.buckets.filter((b) => inMonth(b, lastMonth)).slice(0, daysSoFar);
  const todayB = days.buckets.find((b) => localDate(Date.parse(b.start), tz) === today);
  const powerNow = lv.sockets.reduce((a, s) => a + s.watts, 0);
  const monthKwh = sum(thisDays, (b) => b.kwh);
  const lastKwh = sum(lastSame, (b) => b.kwh);
  const change = lastKwh > 0 ? ((monthKwh - lastKwh) / lastKwh) * 100 : null;
  const baseline = sb.sockets.reduce((a, s) => a + s.baselineWatts, 0);
  const avgDayKwh = thisDays.length ? monthKwh / thisDays.length : 0;
  const standbyShare = avgDayKwh > 0 ? Math.min(100, ((baseline * 24) / 1000 / avgDayKwh) * 100) : null;
  const standbyCost = sb.sockets.reduce((a, s) => a + s.costPerYear, 0);

  view.append(
    h('h1', { tabindex: '-1' }, `${me.household.name}`),
    h(
      'div',
      { class: 'tiles' },
      tile('Power now', watts(powerNow), `${lv.sockets.length} sockets reporting`, 'power-now'),
      tile(
        'Today so far',
        todayB ? kwh(todayB.kwh) : '–',
        todayB ? money(todayB.cost, cur) : 'no readings yet today',
        'today',
      ),
      tile(
        'This month',
        kwh(monthKwh),
        change === null
          ? 'nothing to compare with last month yet'
          : `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(0)} % against the first ${daysSoFar} days of last month (${kwh(lastKwh)})`,
        'month',
      ),
      tile(
        'Standby',
        standbyShare === null ? '–' : `${standbyShare.toFixed(0)} %`,
        `${watts(baseline)} always on, about ${money(standbyCost, cur)} a year`,
        'standby',
      ),
    ),
  );
  // A house meter is the total, not a socket that costs: left out of the ranking.
  const meters = new Set(
    ds.flatMap((d) => d.sockets.filter((s) => s.role === 'house-meter').map((s) => `${d.id}|${s.socket}`)),
  );
  const top = perSocket(thisDays)
    .filter((s) => !meters.has(`${s.device}|${s.socket}`))
    .slice(0, 5);
  view.append(
    h('h2', {}, 'Sockets that cost most this month'),
    top.length
      ? table(
          ['Socket', 'Energy', 'Cost', 'Standby per year'],
          top.map((s) => {
            const st = sb.sockets.find((x) => x.device === s.device && x.socket === s.socket);
            return [
              h(
                'a',
                { href: `/history?period=month&socket=${encodeURIComponent(`${s.device}/${s.socket}`)}` },
                socketName(ds, s.device, s.socket),
              ),
              kwh(s.kwh),
              money(s.cost, cur),
              st ? money(st.costPerYear, cur) : '–',
            ];
          }),
        )
      : h('p', { class: 'empty' }, 'No readings this month yet. Pair a device on the Devices page.'),
  );
  // Power now follows the meters while the page is open; leaving the page stops it.
  const timer = window.setInterval(() => {
    live()
      .then((l) => {
        const big = view.querySelector('#power-now .big');
        if (big) big.textContent = watts(l.sockets.reduce((a, s) => a + s.watts, 0));
      })
      .catch(() => undefined);
  }, 10_000);
  signal.addEventListener('abort', () => window.clearInterval(timer));
  if (ds.length === 0)
    view.append(h('p', {}, 'No devices yet. ', h('a', { href: '/devices' }, 'Pair your first device'), '.'));
}
