import { api } from '../api.js';
import { h, when } from '../dom.js';
import type { PageContext } from '../router.js';
import { devices, loadMe } from '../state.js';

interface Notification {
  id: string;
  device: string | null;
  alertname: string;
  status: 'firing' | 'resolved';
  summary: string;
  startsAt: string;
  receivedAt: string;
}

export async function notificationsPage({ view }: PageContext): Promise<void> {
  const [me, ds, n] = await Promise.all([
    loadMe(),
    devices(),
    api<{ notifications: Notification[] }>('/api/v1/notifications'),
  ]);
  const tz = me.household.timeZone;
  view.append(h('h1', { tabindex: '-1' }, 'Notifications'));
  if (n.notifications.length === 0) {
    view.append(
      h('p', { class: 'empty' }, 'No notifications yet. Alerts about your devices will appear here.'),
    );
    return;
  }
  view.append(
    h(
      'ul',
      { class: 'list', id: 'notifications' },
      ...n.notifications.map((x) => {
        const dev = x.device ? ds.find((d) => d.id === x.device) : undefined;
        return h(
          'li',
          { class: `note ${x.status}` },
          h('span', { class: `badge ${x.status}` }, x.status === 'firing' ? 'Alert' : 'Resolved'),
          h('strong', {}, x.summary || x.alertname),
          h('span', { class: 'meta' }, `since ${when(x.startsAt, tz)}`),
          x.device
            ? h('a', { href: `/devices/${encodeURIComponent(x.device)}` }, dev?.name ?? x.device)
            : null,
        );
      }),
    ),
  );
}
