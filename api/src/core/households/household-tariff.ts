import { ApiError } from '../../errors.js';
import { tariffOf, tariffProblem, type Tariff } from '../readings/tariff.js';
import type { HouseholdStore } from '../../store/accounts-store.js';

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

/** Replaces the tariff after the checks its schema cannot make (duplicate dates, impossible dates). */
export async function setHouseholdTariff(
  deps: { readonly store: TariffStore },
  householdId: string,
  tariff: Tariff,
): Promise<HouseholdTariff> {
  const p = tariffProblem(tariff);
  if (p) throw new ApiError('validation_failed', p);
  await deps.store.updateHousehold(householdId, { tariff });
  const h = await deps.store.householdById(householdId);
  return { currency: h?.currency, tariff };
}
