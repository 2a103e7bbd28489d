#!/usr/bin/env node
// Runs every *.test.ts of the workspaces with node's test runner through tsx.
// `--faults` runs the *.fault.test.ts suite instead. Extra arguments are
// file filters (substrings of the path).
//
// When a selected file uses the test kit, one RabbitMQ and one
// VictoriaMetrics are started first for the whole run (lib/src/testkit/
// shared-services-main.ts) and handed to the tests as ENERGY_TEST_*
// variables; they stop when the run ends.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;
const args = process.argv.slice(2);
const faults = args.includes('--faults');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = walk(root, [])
  .filter((f) => f.endsWith('.fault.test.ts') === faults)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  if (faults && filters.length === 0) {
    // No fault suite yet is not a failure of the run; no tests at all is.
    console.log('no fault test files (*.fault.test.ts) found: nothing to run');
    process.exit(0);
  }
  console.error('no test files found');
  process.exit(1);
}

const needsServices =
  !process.env.ENERGY_TEST_AMQP_URL &&
  files.some((f) => f.includes('testkit') || /testkit/.test(readFileSync(join(root, f), 'utf8')));

/** Starts the shared services; resolves with their variables and the process to end them. */
function startServices() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'lib/src/testkit/shared-services-main.ts'],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve({ env: JSON.parse(line), child });
      } catch (err) {
        reject(new Error(`test services printed ${line}`, { cause: err }));
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`test services exited with ${code} before they were ready`)),
    );
  });
}

function stopServices(services) {
  if (!services) return Promise.resolve();
  return new Promise((resolve) => {
    services.child.once('exit', resolve);
    services.child.stdin.end();
  });
}

let services;
if (needsServices) {
  const t0 = Date.now();
  services = await startServices();
  console.log(
    `test services up in ${Date.now() - t0} ms: ${JSON.stringify(services.env.ENERGY_TEST_VM_URL)}`,
  );
}
// Ctrl-C reaches the services process too (same process group); it stops on its own.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {});

const status = await new Promise((resolve) => {
  const t = spawn(
    process.execPath,
    // --test-force-exit: a file that leaves a handle open must not hang the run.
    [
      '--conditions=source',
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-force-exit',
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...services?.env } },
  );
  t.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
await stopServices(services);
process.exit(status);
