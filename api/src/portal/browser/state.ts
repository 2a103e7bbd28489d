// Who is logged in and their household, read once per session from /me.
import { api } from './api.js';

export interface Me {
  user: { id: string; email: string };
  household: { id: string; name: string; currency: string; timeZone: string };
  role: 'owner' | 'member' | 'viewer';
}

export interface Device {
  id: string;
  name: string;
  sockets: { socket: number; name: string; role: string }[];
  lastSeen: string | null;
  alerts: { muteUntil: string | null; offlineGraceMinutes: number | null };
}

let me: Me | null = null;
export async function loadMe(): Promise<Me> {
  me ??= await api<Me>('/api/v1/me');
  return me;
}
export function forgetMe(): void {
  me = null;
}

export async function devices(): Promise<Device[]> {
  return (await api<{ devices: Device[] }>('/api/v1/devices')).devices;
}

/** A socket's name from the device list; sockets nobody named are "Socket n" as the API says. */
export function socketName(ds: readonly Device[], device: string, socket: number): string {
  const d = ds.find((x) => x.id === device);
  return d?.sockets.find((s) => s.socket === socket)?.name ?? `${d?.name ?? device} socket ${socket}`;
}
