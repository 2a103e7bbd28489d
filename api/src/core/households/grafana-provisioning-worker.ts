import { backoffMs, type BackoffOptions } from '@energy/lib/backoff';
import type { GrafanaTenants, HouseholdForGrafana } from '../../grafana/grafana-provisioner.js';
import type { AccountsStore, ProvisioningJob, ProvisioningQueueStore } from '../../store/accounts-store.js';
import { householdPriceAt } from '../readings/tariff.js';
import type { Warnings } from './warnings.js';

/** Between attempts of one job: 1–2 s, doubling to at most 5 minutes (an outage of Grafana is no emergency). */
export const PROVISIONING_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 300_000 };

export type JobOutcome = 'applied' | 'failed' | 'skipped';

export interface ProvisioningWorkerDeps {
  readonly store: ProvisioningQueueStore & Pick<AccountsStore, 'householdById' | 'members' | 'devices'>;
  readonly grafana: GrafanaTenants;
  readonly now: () => Date;
  readonly log: Warnings;
  readonly backoff?: BackoffOptions;
  /** Called once per job attempt (metrics). */
  readonly onJob?: (job: ProvisioningJob, outcome: JobOutcome) => void;
}

/**
 * One round of the queue: the due head job of each household, oldest first,
 * one after the other. A job that fails stays at the head of its household
 * with a backoff; the others go on. Returns how many jobs were attempted.
 */
export async function workProvisioningQueue(deps: ProvisioningWorkerDeps, limit = 50): Promise<number> {
  const jobs = await deps.store.dueProvisioningJobs(deps.now(), limit);
  for (const job of jobs) {
    try {
      const outcome = await applyJob(deps, job);
      await deps.store.completeProvisioningJob(job.seq);
      deps.onJob?.(job, outcome);
    } catch (err) {
      const wait = backoffMs(job.attempts, deps.backoff ?? PROVISIONING_BACKOFF);
      await deps.store.failProvisioningJob(
        job.seq,
        err instanceof Error ? err.message : String(err),
        new Date(deps.now().getTime() + wait),
      );
      deps.log.warn(
        { err, household: job.householdId, job: job.seq, kind: job.kind, attempts: job.attempts + 1 },
        'grafana provisioning job failed; retried later',
      );
      deps.onJob?.(job, 'failed');
    }
  }
  return jobs.length;
}

async function applyJob(deps: ProvisioningWorkerDeps, job: ProvisioningJob): Promise<JobOutcome> {
  if (job.kind === 'delete') {
    const logins = Array.isArray(job.payload.logins) ? job.payload.logins.map(String) : [];
    await deps.grafana.deleteHousehold(job.householdId, logins);
    return 'applied';
  }
  if (job.kind === 'migrate') await deps.grafana.deleteLegacyOrg(job.householdId);
  const h = await householdForGrafana(deps, job.householdId);
  // Deleted meanwhile: its 'delete' job follows in the queue.
  if (!h) return 'skipped';
  await deps.grafana.syncHousehold(h);
  return 'applied';
}

/** What the store holds now: a job always applies the latest state, so repeats and reorders converge. */
export async function householdForGrafana(
  deps: Pick<ProvisioningWorkerDeps, 'store' | 'now'>,
  householdId: string,
): Promise<HouseholdForGrafana | undefined> {
  const h = await deps.store.householdById(householdId);
  if (!h) return undefined;
  const [members, devices] = await Promise.all([
    deps.store.members(householdId),
    deps.store.devices(householdId),
  ]);
  return {
    id: h.id,
    name: h.name,
    timeZone: h.timeZone,
    currency: h.currency,
    pricePerKwh: householdPriceAt(h, deps.now().getTime()),
    sockets: devices.flatMap((d) => d.sockets.map((s) => ({ device: d.id, socket: s.socket, name: s.name }))),
    members: members.map((m) => ({ email: m.email, role: m.role })),
  };
}
