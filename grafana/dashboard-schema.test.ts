// Every board against @grafana/schema (the 10.4 release the compose files
// pin): the JSON, written as a TypeScript literal of type Dashboard with
// Prometheus queries, must type-check — literal types and excess-property
// checks catch a misspelt key, a wrong enum value or a field of the wrong
// type, which Grafana would silently drop on import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const here = new URL('.', import.meta.url).pathname;
const dir = join(here, 'dashboards');
const files = (function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.json') ? [p] : [];
  });
})(dir);

const PRELUDE = `import type { Dashboard, Panel, RowPanel } from '@grafana/schema';
import type { PrometheusDataQuery } from '@grafana/schema/dist/esm/raw/composable/prometheus/dataquery/x/PrometheusDataQuery_types.gen.js';
type Board = Omit<Dashboard, 'panels'> & {
  panels?: Array<(Omit<Panel, 'targets'> & { targets?: PrometheusDataQuery[] }) | RowPanel>;
};
`;

test('every dashboard type-checks against @grafana/schema 10.4 (Dashboard, Panel, RowPanel, PrometheusDataQuery)', () => {
  const sources = new Map<string, string>();
  for (const f of files) {
    const name = join(here, `__schema-check-${relative(dir, f).replaceAll('/', '-')}.ts`);
    sources.set(name, `${PRELUDE}export const board: Board = ${readFileSync(f, 'utf8')};\n`);
  }
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const text = sources.get(name);
    return text === undefined ? getSourceFile(name, lang, ...rest) : ts.createSourceFile(name, text, lang);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => sources.get(name) ?? readFile(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${relative(here, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(problems, []);
});
