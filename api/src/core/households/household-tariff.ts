import { ApiError } from '../../errors.js';
import { tariffOf, tariffProblem, type Tariff } from '../readings/tariff.js';
import type { HouseholdStore, Role } from '../../store/accounts-store.js';
import { isCurrency } from './household-fields.js';

export interface HouseholdTariff {
  readonly currency: string | undefined;
  readonly tariff: Tariff;
}

type TariffStore = Pick<HouseholdStore, 'householdById' | 'updateHousehold'>;

/** The household's tariff, or the default price when none was set. */
export async function householdTariff(
  deps: { readonly store: Pick<TariffStore, 'householdById'> },
  householdId: string,
): Promise<HouseholdTariff> {
  const h = await deps.store.householdById(householdId);
  return { currency: h?.currency, tariff: tariffOf(h) };
}

/**
 * Replaces the tariff after the checks its schema cannot make (duplicate
 * dates, impossible dates), and the currency when one is given. Members set
 * prices; only an owner changes the currency, which every cost, CSV and board
 * of the household is stated in (the same currency again is no change).
 * Prices are not converted: a new currency states the same numbers in it.
 */
export async function setHouseholdTariff(
  deps: { readonly store: TariffStore },
  caller: { readonly householdId: string; readonly role: Role },
  tariff: Tariff,
  currency?: string,
): Promise<HouseholdTariff> {
  const p = tariffProblem(tariff);
  if (p) throw new ApiError('validation_failed', p);
  const before = await deps.store.householdById(caller.householdId);
  const changesCurrency = currency !== undefined && currency !== before?.currency;
  if (changesCurrency && !isCurrency(currency))
    throw new ApiError('validation_failed', 'Field "currency" is not an ISO 4217 code');
  if (changesCurrency && caller.role !== 'owner')
    throw new ApiError('forbidden', "Only an owner may change the household's currency");
  await deps.store.updateHousehold(caller.householdId, { tariff, ...(changesCurrency ? { currency } : {}) });
  return { currency: changesCurrency ? currency : before?.currency, tariff };
}
