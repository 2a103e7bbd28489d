import { api, send, sentence } from '../api.js';
import { field, h, money, status, table } from '../dom.js';
import { forgetMe, loadMe } from '../state.js';

interface TouWindow {
  days?: number[];
  start: string;
  end: string;
  pricePerKwh: number;
}
interface TariffPeriod {
  from: string;
  pricePerKwh: number;
  windows?: TouWindow[];
}

const DAY_SETS: Record<string, number[] | undefined> = {
  all: undefined,
  weekdays: [1, 2, 3, 4, 5],
  weekends: [6, 7],
};
const daysKey = (d?: number[]): string =>
  !d ? 'all' : d.join() === '1,2,3,4,5' ? 'weekdays' : d.join() === '6,7' ? 'weekends' : 'all';
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The price at a local hour of a weekday (1 = Monday) under one period: the same rule as the API's (a window past midnight wraps). */
export function priceAt(p: TariffPeriod, day: number, hour: number): number {
  const m = hour * 60;
  for (const w of p.windows ?? []) {
    if (w.days && !w.days.includes(day)) continue;
    const s = minutes(w.start);
    const e = minutes(w.end);
    if (e > s ? m >= s && m < e : m >= s || m < e) return w.pricePerKwh;
  }
  return p.pricePerKwh;
}

let uid = 0;
function windowRow(w: TouWindow, onChange: () => void): HTMLElement & { read(): TouWindow } {
  const i = ++uid;
  const start = h('input', { id: `w${i}-start`, type: 'time', value: w.start, required: true });
  const end = h('input', { id: `w${i}-end`, type: 'time', value: w.end, required: true });
  const price = h('input', {
    id: `w${i}-price`,
    type: 'number',
    min: '0',
    max: '1000',
    step: '0.0001',
    value: String(w.pricePerKwh),
    required: true,
  });
  const days = h(
    'select',
    { id: `w${i}-days` },
    ...Object.keys(DAY_SETS).map((k) =>
      h(
        'option',
        { value: k, selected: k === daysKey(w.days) },
        k === 'all' ? 'Every day' : k === 'weekdays' ? 'Mon–Fri' : 'Sat–Sun',
      ),
    ),
  );
  const remove = h('button', { type: 'button', class: 'link' }, 'Remove window');
  const row = h(
    'div',
    { class: 'window-row' },
    field('From', start),
    field('To', end),
    field('Price per kWh', price),
    field('Days', days),
    remove,
  ) as unknown as HTMLElement & {
    read(): TouWindow;
  };
  row.read = () => {
    const d = DAY_SETS[days.value];
    return {
      start: start.value,
      end: end.value,
      pricePerKwh: Number(price.value),
      ...(d ? { days: d } : {}),
    };
  };
  row.addEventListener('input', onChange);
  remove.addEventListener('click', () => {
    row.remove();
    onChange();
  });
  return row;
}

function periodBlock(p: TariffPeriod, onChange: () => void): HTMLElement & { read(): TariffPeriod } {
  const i = ++uid;
  const from = h('input', { id: `p${i}-from`, type: 'date', value: p.from, required: true });
  const price = h('input', {
    id: `p${i}-price`,
    type: 'number',
    min: '0',
    max: '1000',
    step: '0.0001',
    value: String(p.pricePerKwh),
    required: true,
  });
  const windows = h('div', { class: 'windows' });
  for (const w of p.windows ?? []) windows.append(windowRow(w, onChange));
  const add = h('button', { type: 'button' }, 'Add a time-of-use window');
  add.addEventListener('click', () => {
    windows.append(windowRow({ start: '17:00', end: '20:00', pricePerKwh: p.pricePerKwh }, onChange));
    onChange();
  });
  const remove = h('button', { type: 'button', class: 'link' }, 'Remove this price period');
  const block = h(
    'fieldset',
    { class: 'period' },
    h('legend', {}, 'Price period'),
    field('Applies from', from),
    field('Price per kWh', price),
    windows,
    add,
    remove,
  ) as unknown as HTMLElement & {
    read(): TariffPeriod;
  };
  block.read = () => {
    const ws = [...windows.children].map((c) => (c as HTMLElement & { read(): TouWindow }).read());
    return { from: from.value, pricePerKwh: Number(price.value), ...(ws.length ? { windows: ws } : {}) };
  };
  block.addEventListener('input', onChange);
  remove.addEventListener('click', () => {
    block.remove();
    onChange();
  });
  return block;
}

/** The currencies the browser knows, each with its name: the API accepts the same ISO 4217 list. */
function currencyPicker(current: string): HTMLSelectElement {
  const names = new Intl.DisplayNames(['en'], { type: 'currency' });
  const codes = Intl.supportedValuesOf('currency');
  if (!codes.includes(current)) codes.unshift(current);
  return h(
    'select',
    { id: 'tariff-currency', name: 'currency' },
    ...codes.map((c) => h('option', { value: c, selected: c === current }, `${c} — ${names.of(c) ?? c}`)),
  );
}

export async function tariffEditor(householdCurrency: string, canEdit: boolean): Promise<HTMLElement> {
  const [{ currency: stated, tariff: t }, me] = await Promise.all([
    api<{ currency?: string; tariff: { periods: TariffPeriod[] } }>('/api/v1/household/tariff'),
    loadMe(),
  ]);
  let currency = stated ?? householdCurrency;
  // Members set prices; only an owner changes the currency every cost is stated in.
  const picker = canEdit && me.role === 'owner' ? currencyPicker(currency) : null;
  const periods = h('div', { id: 'tariff-periods' });
  const preview = h('div', { id: 'tariff-preview' });
  const read = (): TariffPeriod[] =>
    [...periods.children]
      .map((c) => (c as HTMLElement & { read(): TariffPeriod }).read())
      .sort((a, b) => a.from.localeCompare(b.from));
  const draw = (): void => {
    const ps = read();
    const last = ps[ps.length - 1];
    if (!last) return void preview.replaceChildren(h('p', {}, 'Add a price period.'));
    const hours = [0, 3, 6, 9, 12, 15, 18, 21];
    preview.replaceChildren(
      table(
        ['Hour', 'Monday', 'Saturday'],
        hours.map((hr) => [
          `${String(hr).padStart(2, '0')}:00`,
          money(priceAt(last, 1, hr), currency),
          money(priceAt(last, 6, hr), currency),
        ]),
        `Prices from ${last.from}, per kWh`,
      ),
    );
  };
  for (const p of t.periods) periods.append(periodBlock(p, draw));
  const add = h('button', { type: 'button' }, 'Add a price change');
  add.addEventListener('click', () => {
    const last = read().at(-1);
    periods.append(
      periodBlock(
        { from: new Date().toISOString().slice(0, 10), pricePerKwh: last?.pricePerKwh ?? 0.3 },
        draw,
      ),
    );
    draw();
  });
  const out = status();
  const form = h(
    'form',
    { class: 'card', id: 'tariff' },
    h('h2', {}, 'Tariff'),
    h(
      'p',
      {},
      picker ? '' : `Prices in ${currency}. `,
      'A price change starts on a date; time-of-use windows override the price at those hours.',
    ),
    picker ? field('Currency', picker) : null,
    periods,
    canEdit ? add : null,
    h('h3', {}, 'Preview'),
    preview,
    canEdit ? h('button', { type: 'submit' }, 'Save tariff') : null,
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { periods: read(), ...(picker ? { currency: picker.value } : {}) };
    void send('PUT', '/api/v1/household/tariff', body)
      .then(() => {
        // The household's currency is read once per session: read it again.
        if (picker) forgetMe();
        out.ok('Tariff saved. Costs are recalculated with it.');
      })
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  picker?.addEventListener('change', () => {
    currency = picker.value;
    draw();
  });
  draw();
  return form;
}
