import 'uplot/dist/uPlot.min.css';
import { getWebInstrumentations, initializeFaro } from '@grafana/faro-web-sdk';
import uPlot from 'uplot';
import './portal.css';

// The browser's view for the operators' board: web vitals (LCP, INP, CLS,
// TTFB, FCP), the page load, and the duration of every fetch (Faro's default
// resource tracking: fetch and XHR only). The API keeps them as histograms
// by route template (api/src/core/rum/).
initializeFaro({
  url: '/api/v1/rum',
  app: { name: 'energy-portal', version: '1' },
  instrumentations: getWebInstrumentations({ captureConsole: false, enablePerformanceInstrumentation: true }),
});

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const store = window.sessionStorage;
let accessToken = store.getItem('accessToken');

async function refresh(): Promise<boolean> {
  const refreshToken = store.getItem('refreshToken');
  if (!refreshToken) return false;
  const r = await fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (!r.ok) return false;
  const t = (await r.json()) as { accessToken: string; refreshToken: string };
  setTokens(t);
  return true;
}

function setTokens(t: { accessToken: string; refreshToken: string } | null): void {
  accessToken = t?.accessToken ?? null;
  if (t) {
    store.setItem('accessToken', t.accessToken);
    store.setItem('refreshToken', t.refreshToken);
  } else store.clear();
}

async function api<T>(path: string, init: RequestInit = {}, retry = true): Promise<T> {
  const r = await fetch(path, {
    ...init,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${accessToken ?? ''}`,
      ...(init.headers ?? {}),
    },
  });
  if (r.status === 401 && retry && (await refresh())) return api<T>(path, init, false);
  if (r.status === 401) {
    showLogin();
    throw new Error('logged out');
  }
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return (await r.json()) as T;
}

interface Me {
  user: { email: string };
  household: { name: string; currency: string; timeZone: string };
}
let me: Me | undefined;
let timer: number | undefined;
let chart: uPlot | undefined;

function showLogin(): void {
  if (timer !== undefined) window.clearInterval(timer);
  $('login').hidden = false;
  $('app').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
}

function cell(tr: HTMLTableRowElement, text: string): void {
  tr.insertCell().textContent = text;
}

const time = (iso: string | null): string => (iso ? new Date(iso).toLocaleTimeString() : '–');

async function loadLive(): Promise<void> {
  const live = await api<{
    at: string;
    sockets: { device: string; socket: number; name: string; watts: number; at: string | null }[];
  }>('/api/v1/readings/live');
  const body = $<HTMLTableElement>('live').tBodies[0];
  if (!body) return;
  body.replaceChildren();
  for (const s of live.sockets) {
    const tr = body.insertRow();
    tr.dataset.socket = `${s.device}/${s.socket}`;
    cell(tr, s.name);
    cell(tr, `${s.watts.toFixed(1)} W`);
    cell(tr, time(s.at));
  }
  $('live-at').textContent = `updated ${time(live.at)}`;
}

async function loadChart(): Promise<void> {
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  const p = await api<{ timestamps: string[]; series: { name: string; watts: (number | null)[] }[] }>(
    `/api/v1/readings/power?from=${encodeURIComponent(from.toISOString())}&step=300`,
  );
  const xs = p.timestamps.map((t) => Date.parse(t) / 1000);
  // A step where no socket reported is a gap in the chart (device offline), not 0 W.
  const total = xs.map((_x, i) => {
    const known = p.series.map((s) => s.watts[i]).filter((w): w is number => w !== null && w !== undefined);
    return known.length === 0 ? null : known.reduce((a, w) => a + w, 0);
  });
  const data: uPlot.AlignedData = [xs, total];
  const el = $('chart');
  if (chart) chart.setData(data);
  else
    chart = new uPlot(
      {
        width: Math.min(900, el.clientWidth || 900),
        height: 260,
        series: [{}, { label: 'Total W', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.15)' }],
      },
      data,
      el,
    );
}

async function loadEnergy(): Promise<void> {
  const bucket = $<HTMLSelectElement>('bucket').value;
  const from = new Date();
  if (bucket === 'day') from.setDate(from.getDate() - 13);
  else from.setMonth(from.getMonth() - 11, 1);
  const e = await api<{ currency: string; buckets: { start: string; kwh: number; cost: number }[] }>(
    `/api/v1/readings/energy?bucket=${bucket}&from=${encodeURIComponent(from.toISOString())}`,
  );
  const body = $<HTMLTableElement>('energy').tBodies[0];
  if (!body) return;
  body.replaceChildren();
  const fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: e.currency });
  for (const b of e.buckets) {
    const tr = body.insertRow();
    cell(tr, b.start.slice(0, bucket === 'day' ? 10 : 7));
    cell(tr, b.kwh.toFixed(2));
    cell(tr, fmt.format(b.cost));
  }
}

async function loadDevices(): Promise<void> {
  const d = await api<{
    devices: { id: string; name: string; sockets: unknown[]; lastSeen: string | null }[];
  }>('/api/v1/devices');
  $('devices').replaceChildren(
    ...d.devices.map((x) => {
      const li = document.createElement('li');
      li.textContent = `${x.name} (${x.id}), ${x.sockets.length} named sockets, last seen ${x.lastSeen ? new Date(x.lastSeen).toLocaleString() : 'never'}`;
      return li;
    }),
  );
  const n = await api<{
    notifications: { alertname: string; status: string; summary: string; receivedAt: string }[];
  }>('/api/v1/notifications');
  $('notifications').replaceChildren(
    ...(n.notifications.length
      ? n.notifications
      : [{ alertname: 'None', status: '', summary: 'No notifications', receivedAt: '' }]
    ).map((x) => {
      const li = document.createElement('li');
      li.textContent = `${x.receivedAt ? new Date(x.receivedAt).toLocaleString() + ' ' : ''}${x.status} ${x.summary}`;
      return li;
    }),
  );
}

function every(fn: () => Promise<void>): void {
  fn().catch((e: unknown) => console.warn(e));
}

async function showApp(): Promise<void> {
  me = await api<Me>('/api/v1/me');
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = `${me.user.email} · ${me.household.name}`;
  every(loadLive);
  every(loadChart);
  every(loadEnergy);
  every(loadDevices);
  timer = window.setInterval(() => {
    every(loadLive);
    every(loadChart);
  }, 10_000);
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const email = $<HTMLInputElement>('email').value;
  const password = $<HTMLInputElement>('password').value;
  void (async () => {
    const r = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!r.ok) {
      const e = (await r.json().catch(() => ({}))) as { error?: { message?: string } };
      $('login-error').textContent = e.error?.message ?? 'Login failed';
      return;
    }
    setTokens((await r.json()) as { accessToken: string; refreshToken: string });
    $('login-error').textContent = '';
    await showApp();
  })();
});

$('logout').addEventListener('click', () => {
  const refreshToken = store.getItem('refreshToken') ?? '';
  void fetch('/api/v1/auth/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  setTokens(null);
  showLogin();
});

$('bucket').addEventListener('change', () => every(loadEnergy));
$('pair').addEventListener('click', () => {
  void api<{ code: string; expiresAt: string }>('/api/v1/devices/pairing-codes', {
    method: 'POST',
    body: '{}',
  }).then((c) => {
    $('pair-code').textContent = `${c.code} (valid until ${new Date(c.expiresAt).toLocaleTimeString()})`;
  });
});

if (accessToken) showApp().catch(() => showLogin());
else showLogin();
