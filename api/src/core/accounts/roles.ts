import type { Role } from '../../store/accounts-store.js';

const RANK: Record<Role, number> = { viewer: 0, member: 1, owner: 2 };

/**
 * Viewers only read; members also change devices, sockets, tariffs and
 * tokens; owners also manage people, Grafana and delete the household.
 */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
