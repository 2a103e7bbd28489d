import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The checkout's root, the same from compose/src (tsx) and compose/dist (built). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const ENTRY = {
  api: join(REPO_ROOT, 'api/dist/main.js'),
  seed: join(REPO_ROOT, 'api/dist/seed.js'),
  collector: join(REPO_ROOT, 'collector/dist/main.js'),
  fleet: join(REPO_ROOT, 'exporters/dist/fleet-main.js'),
} as const;

export const MONITORING = {
  scrapeConfig: join(REPO_ROOT, 'compose/monitoring/scrape.yml'),
  alertmanagerTemplate: join(REPO_ROOT, 'compose/monitoring/alertmanager.yml.tmpl'),
  operatorRules: join(REPO_ROOT, 'alerting/rules/operators.yml'),
  householdRules: join(REPO_ROOT, 'alerting/rules/households.yml'),
  recordingRules: join(REPO_ROOT, 'alerting/rules/recording.yml'),
} as const;
