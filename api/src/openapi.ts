import type Router from '@koa/router';

/** What the readings answers hold and how they may be cached, beside the generic description. */
const READINGS: Record<string, string> = {
  '/api/v1/readings/live':
    "{at, sockets:[{device, socket, name, watts, at}]}: the top-level at is when the readings were read (the same answer is given until the household's next device-minute is due). Cache-Control max-age: until then.",
  '/api/v1/readings/power':
    '{from, to, stepSeconds, timestamps, series:[{device, socket, name, watts, maxWatts}]}: watts is the mean over the step ending at each timestamp, maxWatts the highest reading within it (null where no reading). Default step: about 300 points.',
  '/api/v1/readings/energy':
    "{bucket, timeZone, currency, buckets:[{start, end, kwh, cost, sockets, untracked}]}: with a socket declared house-meter, kwh and cost are the meter's (the household's total, not added to its sockets) and untracked {kwh, cost} is the meter less the other sockets, a negative remainder clamped to zero and counted in api_untracked_clamped_total; untracked is null in a bucket without a house-meter reading.",
};
/** What other answers and bodies hold, by method and path, where "JSON" would not say enough. */
const DESCRIBED: Record<string, string> = {
  'GET /api/v1/notifications':
    "{unread, notifications:[{id, device, alertname, status, summary, startsAt, receivedAt, read}]}: the latest 100, newest first; read and unread are the caller's own (another member's reading changes nothing), unread counts all of the household's notifications the caller has not read.",
  'POST /api/v1/notifications/read':
    "Body {ids?: string[]} (at most 100): marks those notifications read for the caller only, every one of the household's when ids is absent; ids of no notification are ignored. 204.",
  'GET /api/v1/devices/self':
    'The device itself, authenticated with its broker login as HTTP Basic (`<household>.<device>` and its password): {id, householdId, name, credentials: {expiresAt}, protocol: {readingBatch: {maxVersion}}, broker: {ca}}. expiresAt is null while the password is the current one; set, the password is a replaced one that stops then and the device must rotate (POST …/self/credentials) before. maxVersion: the newest ReadingBatch version the platform stores (a batch whose min_collector_version is higher is dead-lettered as unsupported_version). ca: the CA certificate (PEM) of the broker as in the pairing answer, null when the certificate of the broker is a public one. 401 invalid_credentials: revoked or expired, pair again.',
  'POST /api/v1/devices/pair':
    "Body {code}: the pairing code shown in the portal, once (no login: the code is the credential). 201 {householdId, deviceId, name, broker: {url, urls, username, password, ca?}}: ca is the CA certificate (PEM) the broker's amqps:// certificate is signed by when it is a private one (BROKER_CA_FILE, the launcher's local CA); the exporter writes it beside its config and names it in AMQP_CA_FILE. 401 invalid_token: unknown, used or expired code.",
  'POST /api/v1/devices':
    'Body {name, id?}: a device with a fresh broker password, shown once. 201 {id, name, broker: {url, urls, username, password, ca?}} (ca as in POST /api/v1/devices/pair).',
  'POST /api/v1/devices/self/credentials':
    "Rotates the device's broker password (HTTP Basic with its current one, or a replaced one before its deadline). 201 {broker: {username, password}, previousValidUntil}: the password used stays accepted until previousValidUntil (DEVICE_SECRET_GRACE_HOURS, 24 h, after a rotation with the current password; a replaced one keeps its own deadline). Save the new one before using it. 409 conflict: rotated meanwhile, authenticate again.",
  'DELETE /api/v1/household':
    "Owner only: deletes the household, its series, members, devices and tokens. 200 {deleted: {household, users, devices, apiTokens, series: true, grafana}}: grafana is 'queued' when the removal of its Grafana team, folder, board and users is on the provisioning queue (applied within moments, retried while Grafana is down), 'none provisioned' without GRAFANA_URL.",
  'PUT /api/v1/household/tariff':
    "Body {periods, currency?}: the tariff, and optionally the household's currency (ISO 4217, three upper-case letters the runtime knows; only an owner may change it, 403 forbidden otherwise). Answers {currency, tariff}.",
};
/** The OpenID Connect provider's endpoints (src/oidc/; oidc-provider answers them, not the router). */
const OIDC_PATHS: Record<string, Record<string, string>> = {
  '/oidc/.well-known/openid-configuration': {
    get: 'OpenID Connect discovery (also at /.well-known/openid-configuration); the issuer is API_PUBLIC_URL + /oidc.',
  },
  '/oidc/jwks': { get: 'The public keys ID tokens are signed with (RS256), made once into STATE_DIR.' },
  '/oidc/auth': {
    get: 'Authorization: response_type=code with PKCE (S256) only; client grafana; scopes openid email profile offline_access household. Sends the browser to the sign-in page, then back to the redirect URI with a code.',
  },
  '/oidc/interaction/{uid}': {
    get: "The sign-in page (the portal's login form) of an authorization in progress.",
  },
  '/oidc/interaction/{uid}/login': {
    post: 'Form email, password: signs in (throttled like /api/v1/auth/login); 303 back to the authorization, or the page again with 401/429.',
  },
  '/oidc/token': {
    post: 'Token endpoint (client_secret_basic): authorization_code with code_verifier, refresh_token. Access tokens are opaque, 15 min; /prometheus takes them.',
  },
  '/oidc/me': { get: 'UserInfo: sub, email, name, household, role.' },
  '/oidc/token/revocation': {
    post: "Revokes an access or refresh token and the grant's other tokens with it.",
  },
  '/oidc/session/end': {
    get: 'RP-initiated logout: ends the sign-in session and the refresh tokens bound to it.',
  },
};

/** Paths a Pi calls with its broker login (HTTP Basic) instead of a user's bearer token. */
const DEVICE_LOGIN = new Set(['/api/v1/devices/self', '/api/v1/devices/self/credentials']);
const CACHING =
  ' Readings answers carry a weak ETag (If-None-Match → 304) and private Cache-Control: max-age=300 once every device of the household is complete past the range, no-cache before.';

/** OpenAPI 3.1 from the registered routes: paths and methods stay in step with the code. */
export function openApiDocument(router: Router): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const layer of router.stack) {
    const path = String(layer.path).replace(/:([A-Za-z]+)/g, '{$1}');
    if (!path.startsWith('/api/') && !path.startsWith('/prometheus/')) continue;
    const entry = (paths[path] ??= {});
    for (const m of layer.methods) {
      if (m === 'HEAD') continue;
      const params = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((x) => ({
        name: x[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      entry[m.toLowerCase()] = {
        ...(params.length ? { parameters: params } : {}),
        ...(DEVICE_LOGIN.has(path) ? { security: [{ deviceLogin: [] }] } : {}),
        ...(path.startsWith('/prometheus/')
          ? { security: [{ bearer: [] }, { apiToken: [] }, { openIdConnect: ['household'] }] }
          : {}),
        responses: {
          default: {
            description: path.startsWith('/api/v1/readings/')
              ? `${READINGS[path] ?? 'JSON.'}${CACHING} Errors as {"error":{"code","message"}}`
              : `${DESCRIBED[`${m} ${path}`] ?? 'JSON;'} errors as {"error":{"code","message"}}`,
          },
        },
      };
    }
  }
  for (const [path, methods] of Object.entries(OIDC_PATHS))
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([m, description]) => [
        m,
        { security: [], responses: { default: { description } } },
      ]),
    );
  return {
    openapi: '3.1.0',
    info: { title: 'Energymonitor API', version: '1' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        deviceLogin: {
          type: 'http',
          scheme: 'basic',
          description: 'A device: its broker username and password',
        },
        apiToken: {
          type: 'http',
          scheme: 'basic',
          description:
            "A household API token or an OpenID Connect access token as the password (promtool's http://user:TOKEN@host/prometheus), or as a Bearer token",
        },
        openIdConnect: {
          type: 'openIdConnect',
          openIdConnectUrl: '/oidc/.well-known/openid-configuration',
          description:
            "The API's own provider (Grafana signs in with it); its access tokens read /prometheus as their account's household",
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
