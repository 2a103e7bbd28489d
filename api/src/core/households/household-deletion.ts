import { deviceUsername } from '@energy/lib/defaults';
import type { GrafanaProvisioner } from '../../grafana/grafana-provisioner.js';
import type { AccountsStore, DeviceStore, HouseholdDeletion } from '../../store/accounts-store.js';
import type { Warnings } from './warnings.js';

/** The time-series store's side of a deletion: every series of the household (VmClient). */
export interface SeriesDeletion {
  deleteHousehold(householdId: string): Promise<void>;
}

/** The broker's open connections (BrokerAdmin): cut a deleted device off now, not at its next login. */
export interface BrokerConnections {
  closeConnectionsOf(username: string): Promise<number>;
}

export interface HouseholdDeletionDeps {
  /** Deleting a household spans every record kind: the composite store does it in one go. */
  readonly store: Pick<DeviceStore, 'devices'> & Pick<AccountsStore, 'deleteHousehold'>;
  readonly series: SeriesDeletion;
  readonly grafana: Pick<GrafanaProvisioner, 'configured' | 'deleteHousehold'>;
  readonly broker?: BrokerConnections | undefined;
  readonly log: Warnings;
}

/**
 * What became of the household's Grafana objects: `queued` — their removal is
 * a job on the durable provisioning queue (done within moments, retried while
 * Grafana is down); `none provisioned` — this API provisions no Grafana.
 */
export type GrafanaDeletion = 'queued' | 'none provisioned';

export interface DeletedHousehold extends HouseholdDeletion {
  readonly household: string;
  readonly series: true;
  readonly grafana: GrafanaDeletion;
}

/**
 * Deletes a household and everything that belongs to it, in the order that
 * lets a failed deletion be retried: series first (if the store is down the
 * household stays whole), then the removal of its Grafana objects queued
 * (the job keeps the members' logins, so it must be queued while the store
 * still has them), then accounts, devices and tokens, and last the broker
 * connections of its devices (best effort: the auth backend refuses them
 * from now on anyway). A failure to queue is logged and rethrown.
 */
export async function deleteHousehold(
  deps: HouseholdDeletionDeps,
  householdId: string,
): Promise<DeletedHousehold> {
  const devices = await deps.store.devices(householdId);
  await deps.series.deleteHousehold(householdId);
  const grafana = await queueGrafanaDeletion(deps, householdId);
  const deleted = await deps.store.deleteHousehold(householdId);
  for (const d of devices) {
    await deps.broker?.closeConnectionsOf(deviceUsername(householdId, d.id)).catch(() => 0);
  }
  return { household: householdId, ...deleted, series: true, grafana };
}

async function queueGrafanaDeletion(
  deps: HouseholdDeletionDeps,
  householdId: string,
): Promise<GrafanaDeletion> {
  if (!deps.grafana.configured) return 'none provisioned';
  try {
    return (await deps.grafana.deleteHousehold(householdId)).deleted ? 'queued' : 'none provisioned';
  } catch (err) {
    deps.log.warn(
      { err, household: householdId },
      'the removal of the household’s Grafana objects was not queued',
    );
    throw err;
  }
}
