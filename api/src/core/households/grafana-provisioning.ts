import type { GrafanaProvisioner, GrafanaTenants } from '../../grafana/grafana-provisioner.js';
import type { AccountsStore, HouseholdStore, ProvisioningQueueStore } from '../../store/accounts-store.js';

/**
 * The name of a household API token a Grafana of one's own may hold (the
 * layout of before gave every organisation's datasource one; bench/query
 * still reads as such a token). The provisioned datasources forward the
 * member's own OAuth token instead.
 */
export const GRAFANA_TOKEN_NAME = 'grafana';

/**
 * What the routes see of Grafana (deps.grafana): every request becomes a job
 * on the durable provisioning queue; the worker (grafana-provisioning-worker.ts)
 * applies it. `kick` wakes the worker so a change shows within a moment.
 */
export class QueuedGrafana implements GrafanaProvisioner {
  readonly configured = true;
  constructor(
    private readonly deps: {
      readonly store: ProvisioningQueueStore & Pick<HouseholdStore, 'members'>;
      readonly grafana: Pick<GrafanaTenants, 'boardUrl'>;
      readonly now: () => Date;
      readonly kick: () => void;
    },
  ) {}

  boardUrl(householdId: string): string {
    return this.deps.grafana.boardUrl(householdId);
  }

  async resyncHousehold(householdId: string): Promise<{ url: string; queued: boolean }> {
    await this.deps.store.enqueueProvisioning({
      householdId,
      kind: 'sync',
      reason: 're-sync asked by the owner',
      at: this.deps.now(),
    });
    this.deps.kick();
    return { url: this.deps.grafana.boardUrl(householdId), queued: true };
  }

  /** Called before the store forgets the household: the job keeps the members' logins. */
  async deleteHousehold(householdId: string): Promise<{ deleted: boolean }> {
    const logins = (await this.deps.store.members(householdId)).map((m) => m.email);
    await this.deps.store.enqueueProvisioning({
      householdId,
      kind: 'delete',
      reason: 'household deleted',
      payload: { logins },
      at: this.deps.now(),
    });
    this.deps.kick();
    return { deleted: true };
  }
}

/**
 * The store methods whose success changes what Grafana must hold, and why.
 * A `false` answer (nothing changed) queues nothing.
 */
const CHANGES: Readonly<Record<string, { reason: string; household: (args: unknown[]) => unknown }>> = {
  createHousehold: { reason: 'household created', household: (a) => (a[0] as { id: string }).id },
  updateHousehold: { reason: 'household changed', household: (a) => a[0] },
  addMembership: { reason: 'member added', household: (a) => (a[0] as { householdId: string }).householdId },
  removeMembership: { reason: 'member removed', household: (a) => a[1] },
  setRole: { reason: 'role changed', household: (a) => a[1] },
  createDevice: { reason: 'device added', household: (a) => (a[0] as { householdId: string }).householdId },
  deleteDevice: { reason: 'device removed', household: (a) => a[0] },
  setSocket: { reason: 'socket renamed', household: (a) => a[0] },
  setSockets: { reason: 'sockets changed', household: (a) => a[0] },
};

/**
 * The store, with every change Grafana must hear about put on the queue
 * with the change itself — whichever route, seed or script made it, so no
 * caller can forget. Where the store can (SQLite: `withProvisioningJob`)
 * change and job commit in one transaction, and a change that turns out to
 * change nothing still queues a (harmless, idempotent) sync. Elsewhere
 * (MongoDB) the job is queued right after a change that changed something,
 * and a crash between the two loses the job until the household's next
 * change or the owner's re-sync (docs/grafana.md).
 */
export function queueingGrafanaChanges(
  store: AccountsStore,
  o: { now: () => Date; kick: () => void },
): AccountsStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      const change = typeof prop === 'string' ? CHANGES[prop] : undefined;
      if (!change || typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        const householdId = change.household(args);
        if (typeof householdId !== 'string') return method.apply(target, args);
        const job = { householdId, kind: 'sync' as const, reason: change.reason, at: o.now() };
        let out: unknown;
        if (target.withProvisioningJob) {
          out = await target.withProvisioningJob(() => method.apply(target, args), job);
        } else {
          out = await method.apply(target, args);
          if (out === false) return out;
          await target.enqueueProvisioning(job);
        }
        o.kick();
        return out;
      };
    },
  });
}
