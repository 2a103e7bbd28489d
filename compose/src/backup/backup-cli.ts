/**
 * `npm run backup -- [folder]`: a backup of the running local stack (same
 * environment as `npm run stack`). Default folder: `<STATE_DIR>-backups/<time>`.
 * BACKUP_READINGS_DST=s3://bucket/path (+ BACKUP_S3_ENDPOINT for an
 * S3-compatible store) sends the readings there; MONGODB_URI: mongodump.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '@energy/lib/config';
import { STACK_CONFIG } from '../stack-config.js';
import { takeBackup } from './take-backup.js';

const config = readConfig(STACK_CONFIG, process.env);
const dir =
  process.argv[2] ??
  process.env.BACKUP_DIR ??
  `${config.stateDir}-backups/${new Date().toISOString().replace(/[:.]/g, '-')}`;
const started = Date.now();
try {
  const m = await takeBackup({
    stateDir: config.stateDir,
    dir,
    vmUrl: `http://127.0.0.1:${config.vmPort}`,
    broker: {
      managementUrl: `http://127.0.0.1:${config.rabbitmqManagementPort}`,
      admin: {
        username: process.env.RABBITMQ_ADMIN_USER ?? 'energy-admin',
        password: readFileSync(join(config.stateDir, 'rabbitmq', 'admin-password'), 'utf8').trim(),
      },
    },
    ...(process.env.BACKUP_READINGS_DST ? { readingsDst: process.env.BACKUP_READINGS_DST } : {}),
    ...(process.env.BACKUP_S3_ENDPOINT ? { s3Endpoint: process.env.BACKUP_S3_ENDPOINT } : {}),
    ...(process.env.MONGODB_URI ? { mongodbUri: process.env.MONGODB_URI } : {}),
    log: (line) => process.stderr.write(`backup: ${line}\n`),
  });
  process.stdout.write(
    `backup taken in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir} (taken at ${m.takenAt})\n`,
  );
} catch (err) {
  process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
