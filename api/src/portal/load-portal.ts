import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@energy/lib/logger';
import { defaultPortalDir } from './build-portal.js';

export interface PortalFile {
  readonly type: string;
  readonly body: Buffer;
  /** Strong validator of the body. */
  readonly etag: string;
  /** A hashed name never changes its content: cached for a year. */
  readonly immutable: boolean;
}

const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Reads the portal bundled at build time (`npm run build:portal -w api`,
 * run by compose/setup.sh) into memory. A missing bundle stops the API with
 * a sentence that says how to build it, rather than serving a blank page.
 */
export async function loadPortal(
  logger?: Logger,
  dir: string = defaultPortalDir,
): Promise<Map<string, PortalFile>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    names = [];
  }
  if (!names.includes('index.html'))
    throw new Error(
      `The portal is not built (no ${join(dir, 'index.html')}): run "npm run build:portal -w api" (compose/setup.sh does)`,
    );
  const files = new Map<string, PortalFile>();
  for (const name of names) {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const type = types[ext];
    if (!type) continue;
    const body = await readFile(join(dir, name));
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    files.set(name, { type, body, etag, immutable: name !== 'index.html' });
  }
  logger?.info({ dir, files: files.size }, 'portal loaded');
  return files;
}
