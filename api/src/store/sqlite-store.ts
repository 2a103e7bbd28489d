// The SQLite adapter lives in sqlite/, one file per record kind; this name is
// kept for the importers that still use it (test-support, fleet-seed test).
export { SqliteStore } from './sqlite/index.js';
