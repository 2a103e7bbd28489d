// The nav's unread count: each member's own, as GET /api/v1/notifications answers it.
import { api } from './api.js';
import { h } from './dom.js';

/** Shows `n` unread beside the nav's Notifications link; nothing when none. */
export function showUnread(n: number): void {
  const link = document.querySelector<HTMLAnchorElement>('#nav a[href="/notifications"]');
  if (!link) return;
  link.querySelector('.unread')?.remove();
  if (n <= 0) return;
  // The number is seen; screen readers hear "Notifications, 3 unread".
  link.append(
    h(
      'span',
      { class: 'unread' },
      h('span', { 'aria-hidden': 'true' }, n > 99 ? '99+' : String(n)),
      h('span', { class: 'sr-only' }, `, ${n} unread`),
    ),
  );
}

/** Asks the API for the count; a failure leaves the badge as it was (the page says what went wrong). */
export async function refreshUnread(): Promise<void> {
  try {
    showUnread((await api<{ unread: number }>('/api/v1/notifications')).unread);
  } catch {
    // Not worth a second error beside the page's own.
  }
}
