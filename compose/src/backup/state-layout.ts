/**
 * Where the launcher keeps each kind of state under STATE_DIR
 * (compose/src/components.ts, state-dir.ts): what a backup takes and a
 * restore puts back. Logs and the monitoring stack's own data are not
 * backed up (the monitoring store is rebuilt by scraping).
 */
export const VM_DATA_DIR = 'victoria-metrics';
export const API_STATE_DIR = 'api';
export const RABBITMQ_DIR = 'rabbitmq';

/** Generated once and needed to keep every credential valid across a restore. */
export const SECRET_PATHS = [
  'secrets.json', // broker auth secret, collector password
  'tls', // the local CA and the broker's and API's certificates
  'rabbitmq/admin-password',
  'api/jwt-secret', // access tokens stay valid
  'api/demo-password',
  'api/fleet.json', // the simulated fleet's gateway credentials
] as const;
