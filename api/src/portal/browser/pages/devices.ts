import { send, sentence } from '../api.js';
import { field, h, status, table, when } from '../dom.js';
import { navigate, type PageContext } from '../router.js';
import { devices, loadMe, type Device } from '../state.js';
import { instantOf, wallTimeOf } from '../../zone.js';

function lastSeen(d: Device, tz: string): string {
  if (!d.lastSeen) return 'never seen';
  const ago = (Date.now() - Date.parse(d.lastSeen)) / 60_000;
  return ago < 2 ? 'online' : `last seen ${when(d.lastSeen, tz)}`;
}

export async function devicesPage({ view }: PageContext): Promise<void> {
  const [me, ds] = await Promise.all([loadMe(), devices()]);
  const tz = me.household.timeZone;
  view.append(h('h1', { tabindex: '-1' }, 'Devices'));
  view.append(
    ds.length
      ? table(
          ['Device', 'Sockets named', 'Status'],
          ds.map((d) => [
            h('a', { href: `/devices/${encodeURIComponent(d.id)}` }, d.name),
            String(d.sockets.length),
            lastSeen(d, tz),
          ]),
        )
      : h('p', { class: 'empty' }, 'No devices yet.'),
  );
  const name = h('input', { id: 'pair-name', maxlength: '100', placeholder: 'Kitchen Pi' });
  const out = status();
  const code = h('div', { id: 'pair-code', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Pair a device'),
    h('p', {}, 'A pairing code lets a Raspberry Pi join this household once. It is valid for a few minutes.'),
    field('Name of the device (optional)', name),
    h('button', { type: 'submit' }, 'Get a pairing code'),
    out,
    code,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      try {
        const c = await send<{ code: string; expiresAt: string }>(
          'POST',
          '/api/v1/devices/pairing-codes',
          name.value ? { name: name.value } : {},
        );
        out.ok(`Code valid until ${when(c.expiresAt, tz)}.`);
        code.replaceChildren(
          h('p', { class: 'code' }, c.code),
          h('p', {}, 'On the Pi, in the exporter’s folder, run:'),
          h(
            'pre',
            {},
            `ENERGY_API_URL=${location.origin} EXPORTER_CONFIG=/etc/energy-exporter.json node dist/pair.js ${c.code}`,
          ),
          h(
            'p',
            {},
            'then restart the exporter. The device appears above within a minute of its first reading.',
          ),
        );
      } catch (err) {
        out.fail(sentence(err));
      }
    })();
  });
  view.append(form);
}

function socketRow(d: Device, n: number): HTMLElement {
  const s = d.sockets.find((x) => x.socket === n);
  const name = h('input', { id: `sock-${n}-name`, value: s?.name ?? '', required: true, maxlength: '100' });
  const role = h(
    'select',
    { id: `sock-${n}-role` },
    h('option', { value: 'socket', selected: s?.role !== 'house-meter' }, 'Appliance socket'),
    h('option', { value: 'house-meter', selected: s?.role === 'house-meter' }, 'Whole-house meter'),
  );
  const out = status();
  const form = h(
    'form',
    { class: 'socket-row', 'aria-label': `Socket ${n}` },
    h('strong', {}, `Socket ${n}`),
    field('Name', name),
    field('Measures', role),
    h('button', { type: 'submit' }, 'Save'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send('PUT', `/api/v1/devices/${encodeURIComponent(d.id)}/sockets/${n}`, {
      name: name.value,
      role: role.value,
    })
      .then(() => out.ok('Saved.'))
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  return form;
}

export async function devicePage({ view, params }: PageContext): Promise<void> {
  const [me, ds] = await Promise.all([loadMe(), devices()]);
  const tz = me.household.timeZone;
  const d = ds.find((x) => x.id === params.id);
  if (!d) {
    view.append(
      h('h1', { tabindex: '-1' }, 'Device not found'),
      h('p', {}, 'This device does not exist or was revoked. ', h('a', { href: '/devices' }, 'All devices')),
    );
    return;
  }
  view.append(
    h('p', {}, h('a', { href: '/devices' }, '‹ All devices')),
    h('h1', { tabindex: '-1' }, d.name),
    h('p', { class: 'meta', id: 'last-seen' }, `${d.id} · ${lastSeen(d, tz)}`),
    h('h2', {}, 'Sockets'),
    h(
      'p',
      {},
      'Name each socket after what is plugged in. Declare the socket that measures the whole house as the house meter: the household total is then its reading, and what the other sockets do not explain shows as untracked.',
    ),
  );
  const numbers = new Set([0, 1, 2, 3, ...d.sockets.map((s) => s.socket)]);
  for (const n of [...numbers].sort((a, b) => a - b)) view.append(socketRow(d, n));

  // Alerts: the mute is a local date-time in the household's zone, sent as an instant.
  const mute = h('input', { id: 'mute-until', type: 'datetime-local' });
  if (d.alerts.muteUntil) mute.value = wallTimeOf(Date.parse(d.alerts.muteUntil), tz);
  const grace = h('input', {
    id: 'grace',
    type: 'number',
    min: '0',
    max: '10080',
    step: '1',
    value: String(d.alerts.offlineGraceMinutes ?? ''),
  });
  const out = status();
  const alerts = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Alerts'),
    field(`Mute alerts until (${tz} time)`, mute),
    field('Minutes offline before an alert', grace),
    h('button', { type: 'submit' }, 'Save alert settings'),
    out,
  );
  alerts.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send('PUT', `/api/v1/devices/${encodeURIComponent(d.id)}/alerts`, {
      muteUntil: mute.value ? new Date(instantOf(mute.value, tz)).toISOString() : null,
      offlineGraceMinutes: grace.value === '' ? null : Number(grace.value),
    })
      .then(() => out.ok('Alert settings saved.'))
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  const revokeOut = status();
  const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke this device');
  revoke.addEventListener('click', () => {
    if (!window.confirm(`Revoke ${d.name}? It can no longer send readings until paired again.`)) return;
    void send('DELETE', `/api/v1/devices/${encodeURIComponent(d.id)}`)
      .then(() => navigate('/devices'))
      .catch((err: unknown) => revokeOut.fail(sentence(err)));
  });
  view.append(
    alerts,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Revoke'),
      h('p', {}, 'The device’s broker login is removed at once; its past readings stay.'),
      revoke,
      revokeOut,
    ),
  );
}
