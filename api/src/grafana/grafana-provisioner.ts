/**
 * The port to Grafana: per household, one organisation holding a Prometheus
 * datasource (the API's /prometheus with the household's read-only API
 * token) and the household board from grafana/. Two adapters: HttpGrafana
 * (GRAFANA_URL set) and NoGrafana (not set).
 */

/** What Grafana needs to know about a household. */
export interface HouseholdForGrafana {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  /** ISO 4217, the board's `currency` constant. */
  readonly currency: string;
  /** The board's `price_per_kwh` constant: the flat price, or the current time-of-use price. */
  readonly pricePerKwh: number;
}

export interface GrafanaHousehold {
  /** Where the household opens its board (Grafana's own login applies). */
  readonly url: string;
  readonly orgId: number;
  readonly dashboardUid: string;
}

export interface GrafanaProvisioner {
  /** False for NoGrafana: the route answers that Grafana is not configured. */
  readonly configured: boolean;
  /** Idempotent: a second call updates the same organisation, datasource and board. */
  provisionHousehold(h: HouseholdForGrafana, apiToken: string): Promise<GrafanaHousehold>;
  /** Deletes the household's organisation; `deleted: false` when there was none. */
  deleteHousehold(householdId: string): Promise<{ deleted: boolean }>;
}

/**
 * A failed call to Grafana. `retryable` when trying again later may succeed
 * (network error, timeout, 5xx, 429); permanent otherwise (bad credentials,
 * a body Grafana refuses).
 */
export class GrafanaError extends Error {
  override name = 'GrafanaError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by NoGrafana.provisionHousehold: there is nothing to provision into. */
export class GrafanaNotConfiguredError extends Error {
  override name = 'GrafanaNotConfiguredError';
  constructor() {
    super('GRAFANA_URL is not set: this API provisions no Grafana');
  }
}

/** The organisation of a household; the name is how a retry finds it again. */
export function orgNameOf(householdId: string): string {
  return `household-${householdId}`;
}

/** GRAFANA_URL unset: provisions nothing and says so; deleting finds nothing to delete. */
export class NoGrafana implements GrafanaProvisioner {
  readonly configured = false;
  provisionHousehold(): Promise<GrafanaHousehold> {
    return Promise.reject(new GrafanaNotConfiguredError());
  }
  deleteHousehold(): Promise<{ deleted: boolean }> {
    return Promise.resolve({ deleted: false });
  }
}
