import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import {
  GrafanaNotConfiguredError,
  type GrafanaHousehold,
  type GrafanaProvisioner,
} from '../../grafana/grafana-provisioner.js';
import { householdPriceAt } from '../readings/tariff.js';
import type { HouseholdStore } from '../../store/accounts-store.js';
import { API_TOKEN_PREFIX } from '../accounts/api-tokens.js';
import type { Warnings } from './warnings.js';

/** The household API token Grafana's datasource holds; one at a time. */
export const GRAFANA_TOKEN_NAME = 'grafana';

export interface GrafanaProvisioningDeps {
  readonly store: Pick<HouseholdStore, 'householdById' | 'apiTokens' | 'createApiToken' | 'deleteApiToken'>;
  readonly grafana: GrafanaProvisioner;
  readonly log: Warnings;
  readonly now: () => Date;
}

/**
 * Gives the household its Grafana organisation, datasource and board with a
 * fresh read-only token (idempotent: a second call updates them). The token
 * rotates without a gap: the new one is made first, the previous grafana
 * tokens are revoked only once Grafana holds the new one, and a failed
 * provisioning revokes the new one instead. GrafanaErrors are logged and
 * rethrown; GrafanaNotConfiguredError when there is no Grafana.
 */
export async function provisionGrafana(
  deps: GrafanaProvisioningDeps,
  householdId: string,
): Promise<GrafanaHousehold> {
  if (!deps.grafana.configured) throw new GrafanaNotConfiguredError();
  const h = await deps.store.householdById(householdId);
  if (!h) throw new ApiError('invalid_token');
  const before = (await deps.store.apiTokens(householdId)).filter((t) => t.name === GRAFANA_TOKEN_NAME);
  const token = newSecret(API_TOKEN_PREFIX);
  const id = newId();
  await deps.store.createApiToken({
    id,
    householdId,
    name: GRAFANA_TOKEN_NAME,
    tokenHash: sha256(token),
    createdAt: deps.now(),
  });
  let out: GrafanaHousehold;
  try {
    out = await deps.grafana.provisionHousehold(
      {
        id: h.id,
        name: h.name,
        timeZone: h.timeZone,
        currency: h.currency,
        pricePerKwh: householdPriceAt(h, deps.now().getTime()),
      },
      token,
    );
  } catch (err) {
    deps.log.warn({ err, household: householdId }, 'grafana provisioning failed');
    await deps.store.deleteApiToken(householdId, id);
    throw err;
  }
  for (const t of before) await deps.store.deleteApiToken(householdId, t.id);
  return out;
}
