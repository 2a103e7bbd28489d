// Talking to the API: tokens in sessionStorage, one refresh on a 401, and
// every error turned into a sentence a person understands.

const store = window.sessionStorage;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** What each of the API's error codes (api/src/errors.ts) means to a person at the portal. */
const SENTENCES: Record<string, string> = {
  bad_request: 'Something in that request is not right. Please check what you entered.',
  validation_failed: 'Some of what you entered is not valid. Please check the fields and try again.',
  unknown_field: 'The portal sent something the server does not accept. Please reload the page.',
  invalid_json: 'The portal sent something the server could not read. Please reload the page.',
  weak_password: 'That password is too short or too common. Please choose a longer one.',
  invalid_time: 'That date or time is not valid.',
  unauthenticated: 'Your session has ended. Please log in again.',
  invalid_credentials: 'That e-mail address or password is wrong.',
  invalid_token: 'This link or session is no longer valid. Ask for a new invitation or log in again.',
  forbidden: 'Your role in this household does not allow this. Ask the household owner.',
  not_found: 'That was not found. It may have been removed.',
  email_taken: 'An account with this e-mail address already exists. Please log in instead.',
  conflict: 'That clashes with something that already exists. Please reload and try again.',
  grafana_not_configured: 'This server has no Grafana dashboards configured.',
  payload_too_large: 'That is too large to send.',
  throttled: 'Too many attempts. Please wait a minute and try again.',
  internal: 'Something went wrong on our side. Please try again in a moment.',
  grafana_refused: 'Grafana refused the request; an operator has to look at it.',
  upstream_unavailable: 'A service behind the portal is unavailable right now. Please try again in a minute.',
  grafana_unavailable: 'Grafana is unavailable right now. Please try again later.',
};

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    detail?: string,
  ) {
    super(SENTENCES[code] ?? detail ?? 'Something went wrong. Please try again.');
  }
}

/** A failure of any kind as a sentence: network errors included. */
export function sentence(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  return 'The server could not be reached. Check your connection and try again.';
}

export function tokens(): Tokens | null {
  const a = store.getItem('accessToken');
  const r = store.getItem('refreshToken');
  return a && r ? { accessToken: a, refreshToken: r } : null;
}

export function setTokens(t: Tokens | null): void {
  if (t) {
    store.setItem('accessToken', t.accessToken);
    store.setItem('refreshToken', t.refreshToken);
  } else store.clear();
}

let onLoggedOut: () => void = () => undefined;
export function whenLoggedOut(fn: () => void): void {
  onLoggedOut = fn;
}

async function failure(r: Response): Promise<ApiFailure> {
  const e = (await r.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return new ApiFailure(
    e.error?.code ?? (r.status >= 500 ? 'internal' : 'bad_request'),
    r.status,
    e.error?.message,
  );
}

async function refresh(): Promise<boolean> {
  const t = tokens();
  if (!t) return false;
  const r = await fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: t.refreshToken }),
  });
  if (!r.ok) return false;
  setTokens((await r.json()) as Tokens);
  return true;
}

/** An API call without a session (login, accept an invitation). */
export async function publicCall<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw await failure(r);
  return (await r.json()) as T;
}

export async function raw(path: string, init: RequestInit = {}, retry = true): Promise<Response> {
  const r = await fetch(path, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      authorization: `Bearer ${tokens()?.accessToken ?? ''}`,
      ...(init.headers ?? {}),
    },
  });
  if (r.status === 401 && retry && (await refresh())) return raw(path, init, false);
  if (r.status === 401) {
    setTokens(null);
    onLoggedOut();
  }
  if (!r.ok) throw await failure(r);
  return r;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const r = await raw(path, init);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

export const send = <T>(method: string, path: string, body?: unknown): Promise<T> =>
  api<T>(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
