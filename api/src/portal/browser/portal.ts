import 'uplot/dist/uPlot.min.css';
import { getWebInstrumentations, initializeFaro } from '@grafana/faro-web-sdk';
import { ApiFailure, sentence, setTokens, tokens, whenLoggedOut } from './api.js';
import { h } from './dom.js';
import { devicePage, devicesPage } from './pages/devices.js';
import { historyPage } from './pages/history.js';
import { householdPage } from './pages/household.js';
import { invitePage } from './pages/invite.js';
import { loginPage } from './pages/login.js';
import { notificationsPage } from './pages/notifications.js';
import { overviewPage } from './pages/overview.js';
import { listen, match, navigate, route } from './router.js';
import { forgetMe, loadMe } from './state.js';
import { refreshUnread, showUnread } from './unread.js';
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

const routes = [
  route('/', 'Overview', overviewPage),
  route('/history', 'History', historyPage),
  route('/devices', 'Devices', devicesPage),
  route('/devices/:id', 'Device', devicePage),
  route('/household', 'Household', householdPage),
  route('/notifications', 'Notifications', notificationsPage),
  route('/invite', 'Accept an invitation', invitePage, true),
  route('/login', 'Log in', loginPage, true),
];

const view = document.getElementById('view') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let leaving: AbortController | null = null;

async function render(): Promise<void> {
  leaving?.abort();
  const here = new AbortController();
  leaving = here;
  const found = match(routes, location.pathname);
  if (!found) {
    navigate('/', true);
    return;
  }
  if (!found.route.open && !tokens()) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
    return;
  }
  document.title = `${found.route.title} · Energymonitor`;
  nav.hidden = found.route.open === true;
  for (const a of nav.querySelectorAll('a')) {
    const active = a.pathname === '/' ? location.pathname === '/' : location.pathname.startsWith(a.pathname);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    if (!found.route.open) {
      const me = await loadMe();
      who.textContent = `${me.user.email} · ${me.household.name}`;
      // The notifications page sets the count from its own answer.
      if (found.route.render !== notificationsPage) void refreshUnread();
    } else {
      who.textContent = '';
      showUnread(0);
    }
    if (here.signal.aborted) return;
    view.replaceChildren();
    await found.route.render({
      view,
      params: found.params,
      query: new URLSearchParams(location.search),
      hash: new URLSearchParams(location.hash.slice(1)),
      signal: here.signal,
    });
  } catch (err) {
    if (here.signal.aborted) return;
    if (!(err instanceof ApiFailure)) console.error(err);
    view.replaceChildren(h('p', { class: 'status error', role: 'alert' }, sentence(err)));
  }
  // Focus moves to the new page's heading, so keyboard and screen reader users know where they are.
  view.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}

whenLoggedOut(() => {
  forgetMe();
  if (location.pathname !== '/login') navigate('/login', true);
});

document.getElementById('logout')?.addEventListener('click', () => {
  const refreshToken = tokens()?.refreshToken ?? '';
  void fetch('/api/v1/auth/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  setTokens(null);
  forgetMe();
  navigate('/login');
});

listen(() => void render());
void render();
