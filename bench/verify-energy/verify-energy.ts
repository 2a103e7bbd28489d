/**
 * npm run verify:energy [-- --json] [-- --events <substring>]: simulated
 * households through restarts, a reboot, an hour offline, daylight saving, a
 * house meter, duplicates, a killed collector, a new device's first minute and
 * its last before revocation, on the real stack; the
 * API's kWh per socket per local day against the simulator's truth.
 */
import { DAEMON_OFFLINE, DAEMON_REBOOT, DAEMON_RESTARTS } from './daemon-event.js';
import { EVENTS } from './events.js';
import { firstAndLastMinute } from './first-last-event.js';
import { summarize, table } from './report.js';
import { runEvents } from './run.js';
import { startEnergyStack } from './stack.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const filterAt = args.indexOf('--events');
const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
const ALL = [
  DAEMON_RESTARTS,
  DAEMON_REBOOT,
  DAEMON_OFFLINE,
  ...EVENTS,
  firstAndLastMinute("a device's first minute ever and its last before revocation", 6, true),
  // EVENT 8 — PENDING (issue 16): the household Grafana board's daily kWh and cost against the API's.
  // It goes here once the board writes them back as series (e.g. energy_household_daily_kwh): read
  // them from VictoriaMetrics for each event's household and day, compare with the API's day bucket.
];
const events = ALL.filter((e) => filter === undefined || e.name.includes(filter));
const NOT_DONE = ["event 8, the Grafana board's daily kWh and cost: pending issue 16's board"];

const stack = await startEnergyStack();
try {
  const { rows, missing, failures } = await runEvents(stack, events);
  const report = summarize(
    events.map((e) => e.name),
    rows,
    NOT_DONE,
  );
  if (!asJson) console.log(table(report, rows));
  for (const m of missing)
    console.error(`household ${m.householdId}: ${m.stored} of ${m.expected} samples stored`);
  for (const f of failures) console.error(f);
  const { maxDeviationPct, socketsChecked } = report;
  const line = {
    maxDeviationPct,
    events: report.events.map((e) => ({ name: e.name, maxDeviationPct: e.maxDeviationPct })),
    socketsChecked,
  };
  console.log(JSON.stringify(asJson ? line : { ...line, notDone: NOT_DONE }));
  process.exitCode = maxDeviationPct <= 0.1 && missing.length === 0 && failures.length === 0 ? 0 : 1;
} finally {
  await stack.stop();
}
