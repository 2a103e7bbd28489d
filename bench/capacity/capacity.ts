/**
 * bench:capacity — the plan for 100 k, 500 k and 2 M households from the
 * per-node figures measured on this machine class (bench/capacity/
 * measured.json: each figure with its date, source and command) and the
 * stated assumptions. `-- --json` prints one JSON line; `-- --results`
 * takes the connection and series figures from the latest bench:connections
 * and bench:vm-series runs (/tmp/energy-bench-results/) instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  capacityReport,
  planFor,
  PLAN_HOUSEHOLDS,
  type Assumptions,
  type Figure,
  type Measured,
} from './plan.js';

interface MeasuredFile {
  readonly machine: string;
  readonly figures: Record<keyof Measured, Figure>;
  readonly assumptions: Assumptions;
}

const file = JSON.parse(readFileSync(new URL('./measured.json', import.meta.url), 'utf8')) as MeasuredFile;
const measured = Object.fromEntries(
  Object.entries(file.figures).map(([k, f]) => [k, f.value]),
) as unknown as Record<keyof Measured, number>;

if (process.argv.includes('--results')) {
  const read = (name: string): Record<string, number> | undefined => {
    const p = `/tmp/energy-bench-results/${name}.json`;
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, number>) : undefined;
  };
  const c = read('connections');
  if (c) {
    measured.memoryPerConnectionKB = c.memoryPerConnectionKB ?? measured.memoryPerConnectionKB;
    measured.loginsPerSec = c.backendLoginsPerSec ?? measured.loginsPerSec;
    measured.authCpuMsPerCheck = c.backendCpuMsPerLogin ?? measured.authCpuMsPerCheck;
    measured.authChecksPerConnection = c.authChecksPerConnectionCold ?? measured.authChecksPerConnection;
    measured.stormRecoverySeconds = c.stormRecoverySeconds ?? measured.stormRecoverySeconds;
  }
  const v = read('vm-series');
  if (v) {
    measured.memoryPerActiveSeriesBytes = v.memoryPerActiveSeriesBytes ?? measured.memoryPerActiveSeriesBytes;
    measured.vmCpuUsPerSample = v.steadyCpuUsPerSample ?? measured.vmCpuUsPerSample;
    measured.diskBytesPerSample = v.diskBytesPerSample ?? measured.diskBytesPerSample;
  }
}

const report = capacityReport(measured, file.assumptions);
if (process.argv.includes('--json') || process.env.npm_config_json) {
  console.log(JSON.stringify(report));
} else {
  console.log(`bench:capacity  per-node figures from ${file.machine} (bench/capacity/measured.json)`);
  const rows = PLAN_HOUSEHOLDS.map((h) => planFor(h, measured, file.assumptions));
  const cols: [string, (r: (typeof rows)[number]) => string][] = [
    ['households', (r) => r.households.toLocaleString('en')],
    ['msg/s', (r) => r.msgsPerSec.toLocaleString('en')],
    ['samples/s', (r) => r.samplesPerSec.toLocaleString('en')],
    ['active series', (r) => r.activeSeries.toLocaleString('en')],
    ['connections', (r) => r.connections.toLocaleString('en')],
    ['auth checks/s in a storm', (r) => r.stormLoginsPerSec.toLocaleString('en')],
    ['broker nodes', (r) => String(r.brokerNodes)],
    ['collectors', (r) => String(r.collectors)],
    ['vminsert', (r) => String(r.vminsertNodes)],
    ['vmselect', (r) => String(r.vmselectNodes)],
    ['vmstorage', (r) => String(r.vmstorageNodes)],
    ['API nodes', (r) => String(r.apiNodes)],
    ['disk TB/year', (r) => String(r.diskTBPerYear)],
    ['first limit', (r) => r.firstLimit],
  ];
  for (const [name, f] of cols)
    console.log(`  ${name.padEnd(26)} ${rows.map((r) => f(r).padStart(34)).join('')}`);
  console.log('  inputs:');
  for (const [k, f] of Object.entries(file.figures))
    console.log(
      `    ${k.padEnd(28)} ${String(measured[k as keyof Measured]).padStart(10)}  ${f.date}  ${f.source}`,
    );
}
