import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Caller } from '../core/accounts/callers.js';
import type { AccountsStore } from '../store/accounts-store.js';
import type { OidcKeys } from './oidc-keys.js';
import { storeAdapter } from './store-adapter.js';

/** Where the provider is mounted on the API's public listener; the issuer is the public URL plus this. */
export const OIDC_PATH = '/oidc';
/** The one client: the platform's own Grafana. */
export const GRAFANA_CLIENT_ID = 'grafana';
export type OidcProvider = Provider;

/** The scope a token needs to read a household's series through /prometheus. */
export const HOUSEHOLD_SCOPE = 'household';
const SCOPES = ['openid', 'email', 'profile', 'offline_access', HOUSEHOLD_SCOPE];

export interface OidcOptions {
  /** The API's public base URL, without a trailing slash. */
  readonly apiPublicUrl: string;
  /** Grafana's public base URL (its redirect URI is `${url}/login/generic_oauth`). */
  readonly grafanaPublicUrl: string;
  readonly grafanaClientSecret: string;
  readonly keys: OidcKeys;
  readonly store: AccountsStore;
  /** Behind the reverse proxy (TRUST_PROXY): https and the host come from its X-Forwarded-* headers. */
  readonly trustProxy?: boolean;
  /** Access-token lifetime; the portal's JWT lives 15 minutes too. */
  readonly accessTokenSeconds?: number;
}

/**
 * The API as an OpenID Connect provider for its own accounts (oidc-provider),
 * with one first-party client, Grafana. Choices (docs/design.md, "Grafana
 * sign-in"):
 * - Authorization code with PKCE (S256) only; no implicit, no dynamic clients.
 * - Access tokens are opaque and kept in the accounts store: /prometheus
 *   looks each up (one indexed read — it reads the caller's membership
 *   anyway), so a revoked or logged-out token stops at once and Grafana
 *   holds nothing readable.
 * - Grafana gets a refresh token without `offline_access` consent
 *   (issueRefreshToken below): it forwards the signed-in user's access
 *   token on every panel query and must renew it without sending the
 *   person back to the login page every 15 minutes. Such a refresh token is
 *   bound to the provider's session, so logging out ends it.
 * - Consent is skipped for Grafana (loadExistingGrant): the person signs in
 *   to the platform's own board with the platform's own account.
 */
export function buildProvider(o: OidcOptions): Provider {
  const grafanaRedirect = `${o.grafanaPublicUrl.replace(/\/+$/, '')}/login/generic_oauth`;
  const config: Configuration = {
    adapter: storeAdapter(o.store),
    clients: [
      {
        client_id: GRAFANA_CLIENT_ID,
        client_secret: o.grafanaClientSecret,
        client_name: 'Grafana',
        redirect_uris: [grafanaRedirect],
        post_logout_redirect_uris: [`${o.grafanaPublicUrl.replace(/\/+$/, '')}/login`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: o.keys.jwks,
    cookies: {
      keys: o.keys.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    pkce: { required: () => true },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      [HOUSEHOLD_SCOPE]: ['household', 'role'],
    },
    // Grafana reads e-mail, name and role from the ID token: put the granted claims there.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      // A client revokes its own tokens only (Grafana is the one client).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = page(
            'Log out',
            `${form}<p>Log out of Energymonitor and ${esc(ctx.oidc.client?.clientName ?? 'Grafana')}?</p>
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Log out</button>
<button type="submit" form="op.logoutForm">Stay logged in</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = page(
            'Logged out',
            '<p>You are logged out.</p><p><a href="/">Back to the portal</a></p>',
          );
        },
      },
    },
    ttl: {
      AccessToken: o.accessTokenSeconds ?? 15 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 30 * 24 * 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
    },
    interactions: { url: (_ctx, interaction) => `${OIDC_PATH}/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const [user, m] = await Promise.all([o.store.userById(sub), o.store.membershipOf(sub)]);
      if (!user || user.disabled || !m) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          email_verified: true,
          name: user.displayName,
          household: m.householdId,
          role: m.role,
        }),
      };
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (client.clientId !== GRAFANA_CLIENT_ID) return existing;
      // First party: the grant is the whole list of scopes, no consent screen.
      const grant =
        existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(SCOPES.join(' '));
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (client.clientId === GRAFANA_CLIENT_ID || code.scopes.has('offline_access')),
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in failed',
        `<p>${esc(String(out.error_description ?? out.error))}</p><p><a href="/">Back to the portal</a></p>`,
      );
    },
  };
  const provider = new Provider(`${o.apiPublicUrl.replace(/\/+$/, '')}${OIDC_PATH}`, config);
  // Else an https issuer behind a TLS-terminating proxy would set its cookies without Secure.
  provider.proxy = o.trustProxy ?? false;
  return provider;
}

/** An opaque token as oidc-provider makes them: base64url, no dots (a JWT has two). */
const OPAQUE = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * The caller behind an access token this provider issued, for the
 * read-only endpoints (/prometheus): the token must be live (not expired,
 * revoked or logged out — each deletes or ages its record), carry the
 * household scope, and its account still be a member; the household is the
 * account's, read now.
 */
export async function callerFromOidcToken(
  provider: Provider,
  store: Pick<AccountsStore, 'userById' | 'membershipOf'>,
  token: string,
): Promise<Caller | undefined> {
  if (!OPAQUE.test(token)) return undefined;
  const at = await provider.AccessToken.find(token);
  if (!at || at.isExpired || !at.accountId || !at.scopes.has(HOUSEHOLD_SCOPE)) return undefined;
  const [user, m] = await Promise.all([store.userById(at.accountId), store.membershipOf(at.accountId)]);
  if (!user || user.disabled || !m) return undefined;
  // Read-only like a household API token: Grafana's forwarded identity reads, it never writes.
  return { userId: user.id, householdId: m.householdId, role: m.role, apiToken: true };
}

/** A page of the provider's own (errors, logout) in the portal's look. */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — Energymonitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/portal/portal.css"></head>
<body><header><a class="brand" href="/">Energymonitor</a></header><main id="view">
<h1>${esc(title)}</h1><div class="card narrow">${body}</div></main></body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
