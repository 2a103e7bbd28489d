import type { Logger } from '@energy/lib/logger';
import {
  workProvisioningQueue,
  type ProvisioningWorkerDeps,
} from '../core/households/grafana-provisioning-worker.js';
import type { ApiMetrics } from '../metrics.js';

export interface ProvisioningLoop {
  /** Work the queue soon (a job was just queued). */
  kick(): void;
  /** Stops after the round in flight, if any. */
  stop(): Promise<void>;
}

/**
 * Works the provisioning queue: a round as soon as something is queued, and
 * every `intervalMs` for jobs whose backoff ended. One round at a time per
 * process; two API processes may both work a job, which is harmless (every
 * job is idempotent) and rare (a round takes the due heads only).
 */
export function startProvisioningLoop(o: {
  worker: Omit<ProvisioningWorkerDeps, 'onJob' | 'log'>;
  logger: Logger;
  metrics: ApiMetrics;
  intervalMs?: number;
}): ProvisioningLoop {
  const intervalMs = o.intervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const deps: ProvisioningWorkerDeps = {
    ...o.worker,
    log: o.logger,
    onJob: (job, outcome) => o.metrics.grafanaJobs.inc({ kind: job.kind, outcome }),
  };

  const round = async (): Promise<void> => {
    try {
      // Rounds until nothing is due: a burst of changes drains without waiting for the timer.
      while ((await workProvisioningQueue(deps)) > 0 && !stopped);
      const stats = await o.worker.store.provisioningQueueStats();
      o.metrics.grafanaQueueDepth.set(stats.depth);
      o.metrics.grafanaQueueFailing.set(stats.failing);
      o.metrics.grafanaQueueOldestAge.set(
        stats.oldestEnqueuedAt ? (o.worker.now().getTime() - stats.oldestEnqueuedAt.getTime()) / 1000 : 0,
      );
    } catch (err) {
      o.logger.error({ err }, 'the provisioning queue cannot be read');
    }
  };
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = round().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      } else if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  run();
  return {
    kick: () => setImmediate(run),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
