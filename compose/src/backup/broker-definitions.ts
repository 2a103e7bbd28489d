import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { ManagementAccess } from '../broker-users.js';

/**
 * The broker's definitions (vhosts, users with their password hashes,
 * permissions, exchanges, queues, bindings, policies) through the
 * management API. Messages are not part of them: what sat in the queues at
 * the backup is inside the RPO (docs/operations.md).
 */
export interface BrokerDefinitions {
  readonly vhosts?: readonly unknown[];
  readonly users?: readonly unknown[];
  readonly queues?: readonly unknown[];
  readonly [key: string]: unknown;
}

const auth = (m: ManagementAccess): string =>
  `Basic ${Buffer.from(`${m.admin.username}:${m.admin.password}`).toString('base64')}`;

export async function exportDefinitions(m: ManagementAccess): Promise<BrokerDefinitions> {
  const res = await fetch(`${m.managementUrl}/api/definitions`, { headers: { authorization: auth(m) } });
  if (!res.ok) throw new Error(`RabbitMQ management GET /api/definitions: ${res.status} ${await res.text()}`);
  return (await res.json()) as BrokerDefinitions;
}

export async function importDefinitions(m: ManagementAccess, defs: BrokerDefinitions): Promise<void> {
  const res = await fetch(`${m.managementUrl}/api/definitions`, {
    method: 'POST',
    headers: { authorization: auth(m), 'content-type': 'application/json' },
    body: JSON.stringify(defs),
  });
  if (!res.ok)
    throw new Error(`RabbitMQ management POST /api/definitions: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** Where `npm run restore` leaves the definitions for the launcher to load into the fresh broker. */
export const PENDING_DEFINITIONS = 'definitions.restore.json';

/** Loads definitions a restore left beside the broker's data, once: the file is renamed after. */
export async function importPendingDefinitions(m: ManagementAccess, file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  await importDefinitions(m, JSON.parse(readFileSync(file, 'utf8')) as BrokerDefinitions);
  renameSync(file, `${file}.applied`);
  return true;
}
