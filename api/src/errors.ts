/**
 * Every error the API can answer with, declared once: code, HTTP status and
 * the message a client sees. Internals never reach a client; an unknown
 * error becomes `internal`.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request is not valid' },
  validation_failed: { status: 400, message: 'The request body is not valid' },
  unknown_field: { status: 400, message: 'The request body has a field that is not allowed' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  weak_password: { status: 400, message: 'The password is too short or too common' },
  invalid_time: { status: 400, message: 'A time parameter is not RFC 3339 or Unix seconds' },
  unauthenticated: { status: 401, message: 'Authentication is required' },
  invalid_credentials: { status: 401, message: 'The email or password is wrong' },
  invalid_token: { status: 401, message: 'The token is not valid' },
  forbidden: { status: 403, message: 'Your role does not allow this' },
  not_found: { status: 404, message: 'Not found' },
  email_taken: { status: 409, message: 'An account with this email already exists' },
  conflict: { status: 409, message: 'The request conflicts with the current state' },
  grafana_not_configured: { status: 409, message: 'This server has no Grafana configured (GRAFANA_URL)' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  throttled: { status: 429, message: 'Too many attempts; try again later' },
  internal: { status: 500, message: 'Something went wrong on our side' },
  grafana_refused: { status: 502, message: 'Grafana refused the provisioning; an operator must look' },
  upstream_unavailable: { status: 503, message: 'A backing service is unavailable' },
  grafana_unavailable: { status: 503, message: 'Grafana is unavailable; try again later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message ?? ERRORS[code].message, options);
    this.status = ERRORS[code].status;
  }
}

export function apiError(code: ErrorCode, message?: string, headers?: Record<string, string>): ApiError {
  return new ApiError(code, message, headers);
}

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}
