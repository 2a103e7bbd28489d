/**
 * npm run verify:energy [-- --json] [-- --events <substring>]: simulated
 * households through restarts, a reboot, an hour offline, daylight saving, a
 * house meter, duplicates, a killed collector, a new device's first minute and
 * its last before revocation, on the real stack; the
 * API's kWh per socket per local day against the simulator's truth.
 */
import { BOARD_DAILY } from './board-event.js';
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
  BOARD_DAILY,
];
const events = ALL.filter((e) => filter === undefined || e.name.includes(filter));
const NOT_DONE: string[] = [];

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
