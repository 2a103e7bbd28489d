import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPortal } from './build-portal.js';
import { loadPortal, type PortalFile } from './load-portal.js';

/** Tests bundle the portal from its current source into a temporary folder (about a second). */
export async function freshPortal(): Promise<Map<string, PortalFile>> {
  const dir = await mkdtemp(join(tmpdir(), 'portal-www-'));
  try {
    await buildPortal(dir);
    return await loadPortal(undefined, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
