import { publicCall, sentence, setTokens, type Tokens } from '../api.js';
import { field, h, status } from '../dom.js';
import { navigate, type PageContext } from '../router.js';
import { forgetMe } from '../state.js';

/**
 * The link in an invitation mail: /invite#token=…&email=…. The token stays in
 * the fragment, so it never reaches a server log or a Referer header.
 */
export function invitePage({ view, hash }: PageContext): void {
  const token = hash.get('token') ?? '';
  view.append(h('h1', { tabindex: '-1' }, 'Join a household'));
  if (!token) {
    view.append(
      h(
        'p',
        { class: 'status error', role: 'alert' },
        'This invitation link is incomplete. Open the link from your invitation e-mail again, or ask for a new invitation.',
      ),
    );
    return;
  }
  const email = h('input', {
    id: 'invite-email',
    type: 'email',
    autocomplete: 'username',
    required: true,
    value: hash.get('email') ?? '',
  });
  const password = h('input', {
    id: 'invite-password',
    type: 'password',
    autocomplete: 'new-password',
    minlength: '8',
    required: true,
    'aria-describedby': 'pw-hint',
  });
  const out = status();
  const form = h(
    'form',
    { class: 'card narrow' },
    h('p', {}, 'You were invited to a household on Energymonitor. Choose a password to create your account.'),
    field('E-mail', email),
    field('Choose a password', password),
    h('p', { id: 'pw-hint', class: 'hint' }, 'At least 8 characters; a few words are easier to remember.'),
    h('button', { type: 'submit' }, 'Join the household'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      try {
        const t = await publicCall<Tokens>('/api/v1/auth/accept-invite', {
          token,
          email: email.value,
          password: password.value,
        });
        setTokens(t);
        forgetMe();
        navigate('/', true);
      } catch (err) {
        out.fail(sentence(err));
      }
    })();
  });
  view.append(form);
}
