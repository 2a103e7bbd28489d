import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { field, type Spec } from '@energy/lib/config';

/**
 * The public listener over TLS when the API terminates it itself (the local
 * launcher hands it a certificate from its CA in STATE_DIR/tls). Behind a
 * reverse proxy that terminates TLS (Caddy in the compose files) both stay
 * unset and the proxy sends the HSTS header. The internal listener (broker
 * auth, Alertmanager's webhook) stays plain HTTP on 127.0.0.1.
 */
export interface ApiTlsConfig {
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

export const API_TLS_SPEC: Spec<ApiTlsConfig> = {
  certFile: ['API_TLS_CERT_FILE', field.optionalString()],
  keyFile: ['API_TLS_KEY_FILE', field.optionalString()],
};

/** One year, as browsers' preload lists ask; only ever sent over https (RFC 6797 §7.2). */
export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function apiTlsProblem(tls: ApiTlsConfig): string | undefined {
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    return 'API_TLS_CERT_FILE and API_TLS_KEY_FILE go together: set both or neither';
  return undefined;
}

/** https with HSTS on every answer when the files are given, else plain http. */
export function createApiServer(
  handler: Handler,
  tls: ApiTlsConfig,
): ReturnType<typeof createHttpServer> | ReturnType<typeof createHttpsServer> {
  if (!tls.certFile || !tls.keyFile) return createHttpServer(handler);
  const options = { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  return createHttpsServer(options, (req, res) => {
    res.setHeader('strict-transport-security', HSTS_VALUE);
    handler(req, res);
  });
}
