import { api, send, sentence } from '../api.js';
import { h, status, when } from '../dom.js';
import type { PageContext } from '../router.js';
import { devices, loadMe } from '../state.js';
import { showUnread } from '../unread.js';

interface Notification {
  id: string;
  device: string | null;
  alertname: string;
  status: 'firing' | 'resolved';
  summary: string;
  startsAt: string;
  receivedAt: string;
  /** Read by this member; another member's reading does not change it. */
  read: boolean;
}

export async function notificationsPage({ view }: PageContext): Promise<void> {
  const [me, ds, n] = await Promise.all([
    loadMe(),
    devices(),
    api<{ unread: number; notifications: Notification[] }>('/api/v1/notifications'),
  ]);
  const tz = me.household.timeZone;
  showUnread(n.unread);
  const head = h('div', { class: 'notes-head' }, h('h1', { tabindex: '-1' }, 'Notifications'));
  view.append(head);
  if (n.notifications.length === 0) {
    view.append(
      h('p', { class: 'empty' }, 'No notifications yet. Alerts about your devices will appear here.'),
    );
    return;
  }
  const summary = h('p', { id: 'unread-summary' }, unreadText(n.unread));
  const outcome = status();
  const items = n.notifications.map((x) => {
    const dev = x.device ? ds.find((d) => d.id === x.device) : undefined;
    return h(
      'li',
      { class: `note ${x.status}${x.read ? '' : ' unread'}` },
      x.read ? null : h('span', { class: 'badge new' }, 'New'),
      h('span', { class: `badge ${x.status}` }, x.status === 'firing' ? 'Alert' : 'Resolved'),
      h('strong', {}, x.summary || x.alertname),
      h('span', { class: 'meta' }, `since ${when(x.startsAt, tz)}`),
      x.device ? h('a', { href: `/devices/${encodeURIComponent(x.device)}` }, dev?.name ?? x.device) : null,
    );
  });
  if (n.unread > 0) {
    // Read or unread is this member's own: the others keep theirs.
    const button = h('button', { type: 'button', id: 'mark-all-read' }, 'Mark all read');
    button.addEventListener('click', () => {
      button.disabled = true;
      send<void>('POST', '/api/v1/notifications/read', {})
        .then(() => {
          for (const li of items) {
            li.classList.remove('unread');
            li.querySelector('.badge.new')?.remove();
          }
          summary.textContent = unreadText(0);
          showUnread(0);
          button.remove();
          outcome.ok('All notifications marked read.');
          view.querySelector<HTMLElement>('h1')?.focus();
        })
        .catch((err: unknown) => {
          button.disabled = false;
          outcome.fail(sentence(err));
        });
    });
    head.append(button);
  }
  view.append(summary, outcome, h('ul', { class: 'list', id: 'notifications' }, ...items));
}

function unreadText(n: number): string {
  if (n === 0) return 'You have read them all.';
  return n === 1 ? '1 unread notification.' : `${n} unread notifications.`;
}
