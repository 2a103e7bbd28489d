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
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// The fault suite also writes TAP to a file for its summary: one row per fault.
const tapDir = faults ? mkdtempSync(join(tmpdir(), 'energy-faults-')) : undefined;
const reporters = tapDir
  ? [
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${join(tapDir, 'faults.tap')}`,
    ]
  : [];
const status = await new Promise((resolve) => {
  const t = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      // A file that leaves a handle open must not hang the run.
      '--test-force-exit',
      ...reporters,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...services?.env } },
  );
  t.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
await stopServices(services);
if (tapDir) {
  try {
    printFaultSummary(readFileSync(join(tapDir, 'faults.tap'), 'utf8'));
  } catch (err) {
    console.error(`no fault summary: ${err.message}`);
  }
  rmSync(tapDir, { recursive: true, force: true });
}
process.exit(status);

/** One row per top-level fault test (result, seconds, name), then the lines the tests tagged `fault`. */
function printFaultSummary(tap) {
  const rows = [];
  const notes = [];
  let last;
  for (const line of tap.split('\n')) {
    const m = /^(not ok|ok) \d+ - (.*)$/.exec(line);
    if (m) {
      const skipped = / # SKIP/.test(m[2]);
      last = {
        result: m[1] === 'ok' ? (skipped ? 'skip' : 'pass') : 'FAIL',
        name: m[2].replace(/ # SKIP.*$/, ''),
        seconds: '',
      };
      rows.push(last);
      continue;
    }
    const d = /^ {2}duration_ms: ([\d.]+)/.exec(line);
    if (d && last && last.seconds === '') last.seconds = (Number(d[1]) / 1000).toFixed(0);
    const n = /^#(?: \\#)? (fault .*)$/.exec(line);
    if (n) notes.push(n[1]);
  }
  console.log('\nfault summary');
  console.log('result  seconds  fault');
  for (const r of rows) console.log(`${r.result.padEnd(6)}  ${r.seconds.padStart(7)}  ${r.name}`);
  for (const n of notes) console.log(`  ${n}`);
}
