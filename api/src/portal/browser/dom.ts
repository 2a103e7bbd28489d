// A few DOM helpers: elements built in code, text never parsed as HTML.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | undefined | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A labelled input: the label wraps it so every control has its name. */
export function field(label: string, input: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

/** A live region for a form's outcome: errors as sentences, successes too. */
export function status(): HTMLParagraphElement & { ok(t: string): void; fail(t: string): void } {
  const p = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }) as HTMLParagraphElement & {
    ok(t: string): void;
    fail(t: string): void;
  };
  p.ok = (t) => {
    p.className = 'status ok';
    p.textContent = t;
  };
  p.fail = (t) => {
    p.className = 'status error';
    p.textContent = t;
  };
  return p;
}

export function table(head: string[], rows: (Node | string)[][], caption?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, ...head.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
    ),
  );
}

export const kwh = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} kWh`;
export const watts = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} kW` : `${x.toFixed(0)} W`);
export const money = (x: number, currency: string): string =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(x);
export const when = (iso: string | null, timeZone: string): string =>
  iso
    ? new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
        new Date(iso),
      )
    : 'never';
