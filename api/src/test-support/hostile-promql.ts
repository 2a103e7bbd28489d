import { POWER_SERIES } from '@energy/lib/series';

/**
 * PromQL with which household `own`'s credential tries to read household
 * `other`'s series through /prometheus: selectors naming it, regexes and
 * negations that match it, `or`/`on()` joins, label_replace rewriting its
 * label, subqueries, aggregations by household and name-only selectors.
 * Every one must answer only `own`'s data (or an error): the API forces
 * the household label of the credential. Shared by the read path's tests
 * (API tokens) and the OpenID Connect tests (Grafana's forwarded token).
 */
export function hostilePromql(own: string, other: string): string[] {
  const B = JSON.stringify(other);
  return [
    `${POWER_SERIES}{household=${B}}`,
    `{household=~".*"}`,
    `{__name__=~".+"}`,
    `{household!=${JSON.stringify(own)}}`,
    `${POWER_SERIES} or ${POWER_SERIES}{household=${B}}`,
    `${POWER_SERIES}{household=${B}} or on() vector(0)`,
    `label_replace(${POWER_SERIES}{household=~".+"}, "household", "x", "", "")`,
    `label_replace(${POWER_SERIES}{household=${B}}, "household", ${JSON.stringify(own)}, "", "")`,
    `max_over_time(${POWER_SERIES}{household=~".*"}[10m:1m])`,
    `sum by (household, device) (${POWER_SERIES}{household=~".+"})`,
    `count({__name__!=""})`,
    `${POWER_SERIES}{household=${B}} + on() group_left ${POWER_SERIES}`,
  ];
}

/**
 * Query-string tails that try to add `other`'s filter beside the query
 * (VictoriaMetrics' extra_label / extra_filters); '' is the plain query.
 */
export function smuggledFilters(other: string): string[] {
  return [
    '',
    `&extra_label=household=${other}`,
    `&extra_filters[]=${encodeURIComponent(`{household=${JSON.stringify(other)}}`)}`,
    `&extra_filters=${encodeURIComponent('{household=~".*"}')}`,
  ];
}
