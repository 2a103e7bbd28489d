import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { ApiToken, HouseholdStore } from '../../store/accounts-store.js';

/** Household API tokens start with this, so a Bearer value tells a token from a JWT without a lookup. */
export const API_TOKEN_PREFIX = 'emt_';

export interface ApiTokenDeps {
  readonly store: Pick<HouseholdStore, 'apiTokens' | 'createApiToken' | 'deleteApiToken'>;
  readonly now: () => Date;
}

export function listApiTokens(deps: Pick<ApiTokenDeps, 'store'>, householdId: string): Promise<ApiToken[]> {
  return deps.store.apiTokens(householdId);
}

/** A read-only household token; the secret is returned once and only its hash is kept. */
export async function createApiToken(
  deps: ApiTokenDeps,
  householdId: string,
  name: string,
): Promise<{ token: string; record: ApiToken }> {
  const token = newSecret(API_TOKEN_PREFIX);
  const record = { id: newId(), householdId, name, tokenHash: sha256(token), createdAt: deps.now() };
  await deps.store.createApiToken(record);
  return { token, record };
}

export async function deleteApiToken(
  deps: Pick<ApiTokenDeps, 'store'>,
  householdId: string,
  id: string,
): Promise<void> {
  if (!(await deps.store.deleteApiToken(householdId, id))) throw new ApiError('not_found');
}
