import type { Device, Household } from '../../store/accounts-store.js';
import type { OutgoingMail } from './mailer.js';

/** What one household alert mail says. */
export interface AlertMailFacts {
  readonly household: Pick<Household, 'name'>;
  readonly device: Pick<Device, 'id' | 'name' | 'sockets'> | undefined;
  readonly alertname: string;
  readonly status: 'firing' | 'resolved';
  readonly summary: string;
  readonly socket: string | undefined;
  readonly startsAt: Date;
  /** The portal's base URL as people reach it (PUBLIC_URL). */
  readonly publicUrl: string;
}

const TITLES: Record<string, string> = {
  DeviceOffline: 'stopped sending readings',
  HighConsumption: 'uses far more than usual',
  StandbyWaste: 'wastes power in standby',
};

/**
 * The mail for one firing or one resolution, named the way the household
 * names things (its own device and socket names, not label values), with a
 * link to the device in the portal.
 */
export function alertMail(to: string, f: AlertMailFacts): OutgoingMail {
  const socketNo = f.socket === undefined ? undefined : Number(f.socket);
  const socketName = f.device?.sockets.find((s) => s.socket === socketNo)?.name;
  const what = [socketName ?? (f.socket ? `Socket ${f.socket}` : undefined), f.device?.name]
    .filter((x): x is string => !!x)
    .join(' on ');
  const subject =
    f.status === 'firing'
      ? `${f.household.name}: ${what || f.alertname} ${TITLES[f.alertname] ?? `- ${f.alertname}`}`
      : `${f.household.name}: resolved: ${what || f.alertname} (${f.alertname})`;
  const link = f.device
    ? `${f.publicUrl}/devices/${encodeURIComponent(f.device.id)}`
    : `${f.publicUrl}/notifications`;
  const text = [
    f.status === 'firing' ? `${f.summary}` : `Over: ${f.summary}`,
    '',
    `Household: ${f.household.name}`,
    ...(f.device ? [`Device: ${f.device.name}`] : []),
    ...(socketName ? [`Socket: ${socketName}`] : []),
    `Since: ${f.startsAt.toISOString()}`,
    '',
    `See it in the portal: ${link}`,
    '',
    'You get these mails as a member of the household; switch them off in the portal under your preferences.',
  ].join('\n');
  return { to, subject, text };
}
