import { api, raw, send, sentence, setTokens } from '../api.js';
import { field, h, status, table, when } from '../dom.js';
import { navigate, type PageContext } from '../router.js';
import { forgetMe, loadMe } from '../state.js';
import { localDate, startOf } from '../../zone.js';
import { tariffEditor } from './tariff-editor.js';

interface Member {
  userId: string;
  email: string;
  role: 'owner' | 'member' | 'viewer';
}

async function members(isOwner: boolean, selfId: string): Promise<HTMLElement> {
  const { members: ms } = await api<{ members: Member[] }>('/api/v1/household/members');
  const out = status();
  const rows = ms.map((m) => {
    const who = h('span', { class: 'wrap' }, m.email);
    if (!isOwner || m.userId === selfId) return [who, m.role];
    const sel = h(
      'select',
      { 'aria-label': `Role of ${m.email}` },
      ...['owner', 'member', 'viewer'].map((r) => h('option', { value: r, selected: r === m.role }, r)),
    );
    sel.addEventListener('change', () => {
      void send('PUT', `/api/v1/household/members/${encodeURIComponent(m.userId)}`, { role: sel.value })
        .then(() => out.ok(`${m.email} is now ${sel.value}.`))
        .catch((err: unknown) => out.fail(sentence(err)));
    });
    return [who, sel];
  });
  const section = h(
    'section',
    { class: 'card', id: 'members' },
    h('h2', {}, 'Members'),
    table(['E-mail', 'Role'], rows),
    out,
  );
  if (!isOwner) return section;
  const email = h('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off' });
  const role = h(
    'select',
    { id: 'invite-role' },
    h('option', { value: 'member' }, 'member (can change settings)'),
    h('option', { value: 'viewer' }, 'viewer (can only look)'),
  );
  const res = status();
  const form = h(
    'form',
    {},
    h('h3', {}, 'Invite someone'),
    field('Their e-mail', email),
    field('Role', role),
    h('button', { type: 'submit' }, 'Send invitation'),
    res,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send<{ mailed?: boolean; link?: string }>('POST', '/api/v1/household/invites', {
      email: email.value,
      role: role.value,
    })
      .then((r) =>
        r.mailed
          ? res.ok(`Invitation mailed to ${email.value}.`)
          : res.ok(`The mail could not be sent; give ${email.value} this link yourself: ${r.link ?? ''}`),
      )
      .catch((err: unknown) => res.fail(sentence(err)));
  });
  section.append(form);
  return section;
}

async function tokens(canEdit: boolean, tz: string): Promise<HTMLElement> {
  const section = h('section', { class: 'card', id: 'tokens' }, h('h2', {}, 'Read-only API tokens'));
  const list = h('div');
  const out = status();
  const draw = async (): Promise<void> => {
    const { tokens: ts } = await api<{ tokens: { id: string; name: string; createdAt: string }[] }>(
      '/api/v1/household/tokens',
    );
    list.replaceChildren(
      ts.length
        ? table(
            ['Name', 'Created', ''],
            ts.map((t) => {
              const b = h(
                'button',
                { type: 'button', class: 'danger', 'aria-label': `Revoke token ${t.name}` },
                'Revoke',
              );
              b.addEventListener(
                'click',
                () =>
                  void send('DELETE', `/api/v1/household/tokens/${encodeURIComponent(t.id)}`)
                    .then(draw)
                    .catch((err: unknown) => out.fail(sentence(err))),
              );
              return [t.name, when(t.createdAt, tz), canEdit ? b : ''];
            }),
          )
        : h('p', { class: 'empty' }, 'No tokens.'),
    );
  };
  await draw();
  section.append(
    h(
      'p',
      {},
      'For Home Assistant, Grafana or scripts: a token reads this household’s data and changes nothing.',
    ),
    list,
  );
  if (canEdit) {
    const name = h('input', { id: 'token-name', required: true, maxlength: '100' });
    const shown = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      {},
      field('Token name', name),
      h('button', { type: 'submit' }, 'Create token'),
      shown,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void send<{ token: string }>('POST', '/api/v1/household/tokens', { name: name.value })
        .then(async (t) => {
          shown.replaceChildren(
            h('p', {}, 'Copy it now; it is shown only once:'),
            h('pre', { id: 'new-token' }, t.token),
          );
          await draw();
        })
        .catch((err: unknown) => out.fail(sentence(err)));
    });
    section.append(form);
  }
  section.append(out);
  return section;
}

function csv(tz: string): HTMLElement {
  const today = localDate(Date.now(), tz);
  const from = h('input', { id: 'csv-from', type: 'date', value: `${today.slice(0, 8)}01`, required: true });
  const to = h('input', { id: 'csv-to', type: 'date', value: today, required: true });
  const bucket = h(
    'select',
    { id: 'csv-bucket' },
    ...['hour', 'day', 'week', 'month'].map((b) =>
      h('option', { value: b, selected: b === 'day' }, `per ${b}`),
    ),
  );
  const out = status();
  const form = h(
    'form',
    { class: 'card', id: 'csv' },
    h('h2', {}, 'Download as CSV'),
    field('From', from),
    field('To (inclusive)', to),
    field('Rows', bucket),
    h('button', { type: 'submit' }, 'Download CSV'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const end = new Date(Date.parse(`${to.value}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const q = new URLSearchParams({
      bucket: bucket.value,
      from: new Date(startOf(from.value, tz)).toISOString(),
      to: new Date(Math.min(Date.now(), startOf(end, tz))).toISOString(),
    });
    void raw(`/api/v1/readings/export.csv?${q.toString()}`)
      .then(async (r) => {
        const a = h('a', {
          href: URL.createObjectURL(await r.blob()),
          download: `energy-${from.value}-${to.value}.csv`,
        });
        document.body.append(a);
        a.click();
        a.remove();
        out.ok('Downloaded.');
      })
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  return form;
}

async function preferences(): Promise<HTMLElement> {
  const p = await api<{ alertMails: boolean }>('/api/v1/me/preferences');
  const box = h('input', { id: 'alert-mails', type: 'checkbox', checked: p.alertMails });
  const out = status();
  box.addEventListener('change', () => {
    void send('PUT', '/api/v1/me/preferences', { alertMails: box.checked })
      .then(() => out.ok(box.checked ? 'You will get alert mails.' : 'You will no longer get alert mails.'))
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  return h(
    'section',
    { class: 'card', id: 'preferences' },
    h('h2', {}, 'My mails'),
    h('label', { class: 'check' }, box, ' E-mail me when a device alert fires or resolves'),
    out,
  );
}

function deletion(name: string): HTMLElement {
  const confirm = h('input', { id: 'delete-confirm', autocomplete: 'off', required: true });
  const out = status();
  const form = h(
    'form',
    { class: 'card danger-zone' },
    h('h2', {}, 'Delete the household'),
    h('p', {}, 'This deletes every device, reading, member and token of the household. It cannot be undone.'),
    field(`Type the household’s name (${name}) to confirm`, confirm),
    h('button', { type: 'submit', class: 'danger' }, 'Delete the household for good'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (confirm.value.trim() !== name) return out.fail('The name does not match; nothing was deleted.');
    void send('DELETE', '/api/v1/household')
      .then(() => {
        setTokens(null);
        forgetMe();
        navigate('/login');
      })
      .catch((err: unknown) => out.fail(sentence(err)));
  });
  return form;
}

/** The household's Grafana board, when this server has a Grafana (GET answers 409 otherwise). */
async function grafanaLink(): Promise<HTMLElement | null> {
  const r = await raw('/api/v1/household/grafana');
  if (!r.ok) return null;
  const { url } = (await r.json()) as { url: string };
  return h(
    'section',
    { class: 'card', id: 'grafana' },
    h('h2', {}, 'Grafana'),
    h(
      'p',
      {},
      'Your household’s board, with the same account: ',
      h('a', { href: url, id: 'grafana-board' }, 'open it in Grafana'),
      '.',
    ),
  );
}

export async function householdPage({ view }: PageContext): Promise<void> {
  const me = await loadMe();
  const tz = me.household.timeZone;
  const owner = me.role === 'owner';
  const canEdit = me.role !== 'viewer';
  view.append(
    h('h1', { tabindex: '-1' }, 'Household'),
    h('p', { class: 'meta' }, `${me.household.name} · time zone ${tz} · your role: ${me.role}`),
  );
  const parts = await Promise.all([
    members(owner, me.user.id),
    tariffEditor(me.household.currency, canEdit),
    tokens(canEdit, tz),
    preferences(),
  ]);
  const board = await grafanaLink().catch(() => null);
  view.append(...parts, csv(tz), ...(board ? [board] : []));
  if (owner) view.append(deletion(me.household.name));
}
