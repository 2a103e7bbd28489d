import { newId } from '../../auth/secrets.js';
import type {
  DeviceStore,
  HouseholdStore,
  Notification,
  NotificationStore,
} from '../../store/accounts-store.js';

/** One alert of an Alertmanager webhook body, as much of it as the intake reads. */
export interface AlertmanagerAlert {
  readonly status?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly startsAt?: string;
}

/**
 * What became of one alert: the `reason` label of api_alerts_received_total.
 * Every alert gets exactly one, so a drop is never silent.
 */
export const ALERT_OUTCOMES = ['stored', 'no_household', 'muted', 'grace'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

/** Alerts read per webhook call; Alertmanager groups far fewer, so more is a misconfiguration. */
export const MAX_ALERTS_PER_CALL = 1000;
const MAX_SUMMARY = 500;

export interface AlertIntakeDeps {
  readonly store: Pick<HouseholdStore, 'householdById'> &
    Pick<DeviceStore, 'device'> &
    Pick<NotificationStore, 'addNotification'>;
  readonly now: () => Date;
  readonly onOutcome: (outcome: AlertOutcome) => void;
}

/**
 * Household alerts from Alertmanager become notifications, unless the
 * household is unknown (the alert names none, or it was deleted), the device
 * is muted, or the device is offline for less than the household's grace.
 * Resolved alerts are stored too: the household sees that it is over.
 */
export async function takeAlerts(
  deps: AlertIntakeDeps,
  alerts: readonly AlertmanagerAlert[],
): Promise<{ stored: number }> {
  const now = deps.now();
  let stored = 0;
  for (const a of alerts.slice(0, MAX_ALERTS_PER_CALL)) {
    const outcome = await takeAlert(deps, a, now);
    deps.onOutcome(outcome);
    if (outcome === 'stored') stored++;
  }
  return { stored };
}

async function takeAlert(deps: AlertIntakeDeps, a: AlertmanagerAlert, now: Date): Promise<AlertOutcome> {
  const hh = a.labels?.household;
  const alertname = a.labels?.alertname ?? 'unknown';
  if (!hh || !(await deps.store.householdById(hh))) return 'no_household';
  const deviceId = a.labels?.device ?? null;
  const startsAt = a.startsAt ? new Date(a.startsAt) : now;
  const device = deviceId ? await deps.store.device(hh, deviceId) : undefined;
  if (device?.muteUntil && device.muteUntil > now) return 'muted';
  // The household's own grace for an offline device: a short outage is no news.
  const grace = device?.offlineGraceMinutes ?? 0;
  if (isOffline(alertname) && a.status !== 'resolved' && now.getTime() - startsAt.getTime() < grace * 60_000)
    return 'grace';
  const n: Notification = {
    id: newId(),
    householdId: hh,
    deviceId,
    alertname,
    status: a.status === 'resolved' ? 'resolved' : 'firing',
    summary: (a.annotations?.summary ?? a.annotations?.description ?? alertname).slice(0, MAX_SUMMARY),
    startsAt: Number.isNaN(startsAt.getTime()) ? now : startsAt,
    receivedAt: now,
  };
  await deps.store.addNotification(n);
  return 'stored';
}

/** DeviceOffline and its kin: the alerts a grace applies to. */
function isOffline(alertname: string): boolean {
  return /offline/i.test(alertname);
}
