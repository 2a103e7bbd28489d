import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@energy/lib/logger';
import { build } from 'esbuild';

const apiRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles the portal's browser code with esbuild at start (about a second)
 * and keeps the files in memory; the same source serves tsx and dist runs.
 */
export async function loadPortal(logger?: Logger): Promise<Map<string, { type: string; body: Buffer }>> {
  const files = new Map<string, { type: string; body: Buffer }>();
  try {
    const out = await build({
      entryPoints: [`${apiRoot}src/portal/browser/portal.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      minify: true,
      target: 'es2020',
      outdir: 'out',
      logLevel: 'silent',
    });
    for (const f of out.outputFiles) {
      const name = f.path.endsWith('.css') ? 'portal.css' : 'portal.js';
      files.set(name, {
        type: name.endsWith('.css') ? 'text/css' : 'application/javascript',
        body: Buffer.from(f.contents),
      });
    }
    files.set('index.html', {
      type: 'text/html; charset=utf-8',
      body: await readFile(`${apiRoot}src/portal/browser/index.html`),
    });
  } catch (err) {
    logger?.error({ err }, 'the portal could not be built; the API runs without it');
  }
  return files;
}
