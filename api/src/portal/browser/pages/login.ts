import { publicCall, sentence, setTokens, type Tokens } from '../api.js';
import { field, h, status } from '../dom.js';
import { navigate, type PageContext } from '../router.js';
import { forgetMe } from '../state.js';

export function loginPage({ view, query }: PageContext): void {
  const email = h('input', {
    id: 'email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const out = status();
  const form = h(
    'form',
    { class: 'card narrow' },
    field('E-mail', email),
    field('Password', password),
    h('button', { type: 'submit' }, 'Log in'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      try {
        const t = await publicCall<Tokens>('/api/v1/auth/login', {
          email: email.value,
          password: password.value,
        });
        setTokens(t);
        forgetMe();
        const next = query.get('next');
        navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/', true);
      } catch (err) {
        out.fail(sentence(err));
      }
    })();
  });
  view.append(h('h1', { tabindex: '-1' }, 'Log in'), form);
}
