import { newId, sha256 } from '../../auth/secrets.js';
import type {
  Device,
  DeviceStore,
  Household,
  HouseholdStore,
  Notification,
  NotificationStore,
} from '../../store/accounts-store.js';
import { alertMail } from './alert-mail.js';
import type { MailResult, Mailer } from './mailer.js';

/** One alert of an Alertmanager webhook body, as much of it as the intake reads. */
export interface AlertmanagerAlert {
  readonly status?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly startsAt?: string;
  readonly fingerprint?: string;
}

/**
 * What became of one alert: the `reason` label of api_alerts_received_total.
 * Every alert gets exactly one, so a drop is never silent. `repeat` is
 * Alertmanager sending a kept firing or resolution again (each
 * repeat_interval); `not_fired` a resolution of a firing never kept (held
 * back by grace or mute): the household never heard it begin.
 */
export const ALERT_OUTCOMES = ['stored', 'no_household', 'muted', 'grace', 'repeat', 'not_fired'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

/** Alerts read per webhook call; Alertmanager groups far fewer, so more is a misconfiguration. */
export const MAX_ALERTS_PER_CALL = 1000;
const MAX_SUMMARY = 500;

export interface AlertIntakeDeps {
  readonly store: Pick<HouseholdStore, 'householdById'> &
    Pick<DeviceStore, 'device'> &
    Pick<NotificationStore, 'addNotification' | 'hasNotification' | 'alertMailRecipients'>;
  readonly now: () => Date;
  readonly onOutcome: (outcome: AlertOutcome) => void;
  /** Absent: no mail (SMTP_URL unset); the notifications are kept all the same. */
  readonly mail?: {
    readonly mailer: Mailer;
    readonly publicUrl: string;
    readonly onMail: (result: MailResult, err?: unknown) => void;
  };
}

/**
 * Household alerts from Alertmanager become notifications, unless the
 * household is unknown (the alert names none, or it was deleted), the device
 * is muted, or the device is offline for less than the household's grace.
 * Each firing and each resolution is kept once and mailed once to the
 * members who want alert mails; a resolution only when its firing was kept.
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
  const household = hh ? await deps.store.householdById(hh) : undefined;
  if (!hh || !household) return 'no_household';
  const deviceId = a.labels?.device ?? null;
  const parsed = a.startsAt ? new Date(a.startsAt) : now;
  const startsAt = Number.isNaN(parsed.getTime()) ? now : parsed;
  const status = a.status === 'resolved' ? 'resolved' : 'firing';
  const device = deviceId ? await deps.store.device(hh, deviceId) : undefined;
  if (device?.muteUntil && device.muteUntil > now) return 'muted';
  // The household's own grace for an offline device: a short outage is no news.
  const grace = device?.offlineGraceMinutes ?? 0;
  if (isOffline(alertname) && status === 'firing' && now.getTime() - startsAt.getTime() < grace * 60_000)
    return 'grace';
  const fingerprint = a.fingerprint || labelsFingerprint(a.labels ?? {});
  if (
    status === 'resolved' &&
    !(await deps.store.hasNotification(hh, { fingerprint, startsAt, status: 'firing' }))
  )
    return 'not_fired';
  const n: Notification = {
    id: newId(),
    householdId: hh,
    deviceId,
    alertname,
    status,
    summary: (a.annotations?.summary ?? a.annotations?.description ?? alertname).slice(0, MAX_SUMMARY),
    startsAt,
    receivedAt: now,
    fingerprint,
  };
  if (!(await deps.store.addNotification(n))) return 'repeat';
  await mailMembers(deps, household, device, n, a.labels?.socket);
  return 'stored';
}

/**
 * One mail per member who wants them. A failed mail is counted and logged,
 * not retried: the row is kept, and Alertmanager's retry of the webhook
 * would find it and send nothing, so failing the call would gain nothing.
 */
async function mailMembers(
  deps: AlertIntakeDeps,
  household: Household,
  device: Device | undefined,
  n: Notification,
  socket: string | undefined,
): Promise<void> {
  const m = deps.mail;
  if (!m) return;
  for (const r of await deps.store.alertMailRecipients(household.id)) {
    const mail = alertMail(r.email, {
      household,
      device,
      alertname: n.alertname,
      status: n.status === 'resolved' ? 'resolved' : 'firing',
      summary: n.summary,
      socket,
      startsAt: n.startsAt,
      publicUrl: m.publicUrl,
    });
    try {
      await m.mailer.send(mail);
      m.onMail('sent');
    } catch (err) {
      m.onMail('failed', err);
    }
  }
}

/** Alertmanager's fingerprint when the body lacks one: the alert's sorted labels. */
function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return sha256(JSON.stringify(sorted)).slice(0, 16);
}

/** DeviceOffline and its kin: the alerts a grace applies to. */
function isOffline(alertname: string): boolean {
  return /offline/i.test(alertname);
}
