import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const apiRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run build:portal` writes and the API reads by default. */
export const defaultPortalDir = join(apiRoot, 'dist', 'portal-www');

/**
 * Bundles the portal's browser code at build time (esbuild, about a second):
 * portal-<hash>.js and .css, and an index.html that names them. Hashed names
 * let the API cache them for a year; only index.html is revalidated.
 */
export async function buildPortal(outDir: string = defaultPortalDir): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const out = await build({
    entryPoints: [join(apiRoot, 'src/portal/browser/portal.ts')],
    bundle: true,
    write: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: 'es2020',
    outdir: outDir,
    entryNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const names = Object.keys(out.metafile.outputs).map((p) => basename(p));
  const js = names.find((n) => n.endsWith('.js'));
  const css = names.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`the portal bundle lacks its js or css: ${names.join(', ')}`);
  const html = (await readFile(join(apiRoot, 'src/portal/browser/index.html'), 'utf8'))
    .replace('/portal/portal.css', `/portal/${css}`)
    .replace('/portal/portal.js', `/portal/${js}`);
  await writeFile(join(outDir, 'index.html'), html);
  return [...names, 'index.html'];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? defaultPortalDir;
  const files = await buildPortal(dir);
  console.log(`portal built in ${dir}: ${files.join(', ')}`);
}
