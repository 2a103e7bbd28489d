/**
 * The households' vmalert evaluates with a 1-minute query step. vmalert's
 * default (-datasource.queryStep=5m) is also the step of every instant
 * query it sends, and VictoriaMetrics stretches a bare selector's lookback
 * to the step: a silent device stayed counted 5 minutes and DeviceOffline
 * fired 15-16 minutes after the last reading instead of 10-13. The rules
 * now give their windows explicitly (alerting/rules/recording.yml); the
 * step is kept at the rules' own interval so that replays
 * (alerting/device-offline-timing.test.ts) evaluate as the live one does.
 */
export const HOUSEHOLDS_QUERY_STEP = '1m';

/** Flags of the households' vmalert beyond its ports, rules and peers (launcher, tests; docker compose repeats them). */
export const HOUSEHOLDS_VMALERT_FLAGS: readonly string[] = [`-datasource.queryStep=${HOUSEHOLDS_QUERY_STEP}`];
