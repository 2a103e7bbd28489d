import type { SocketRef } from './series-reader.js';

/** What the readings need of a household: its series id, its zone and currency, its tariff. */
export interface ReadingHousehold {
  readonly id: string;
  readonly timeZone: string;
  readonly currency: string;
  /** As stored; `tariffOf` reads it. */
  readonly tariff: unknown;
}

/** What the readings need of a device: the name and role given to each socket. */
export interface NamedDevice {
  readonly id: string;
  readonly sockets: readonly { readonly socket: number; readonly name: string; readonly role: string }[];
}

export interface SocketLabel {
  readonly name: string;
  readonly role: string;
}

/** A socket's name and role; a socket nobody named is "Socket n", an ordinary socket. */
export type SocketNames = (device: string, socket: number) => SocketLabel;

export function socketNames(devices: readonly NamedDevice[]): SocketNames {
  const m = new Map<string, SocketLabel>();
  for (const d of devices)
    for (const s of d.sockets) m.set(`${d.id}|${s.socket}`, { name: s.name, role: s.role });
  return (device, socket) => m.get(`${device}|${socket}`) ?? { name: `Socket ${socket}`, role: 'socket' };
}

/** Sockets in device, then socket number order: every list the API returns. */
export const bySocket = (a: SocketRef, b: SocketRef): number =>
  a.device.localeCompare(b.device) || a.socket - b.socket;
