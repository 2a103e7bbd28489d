/**
 * `npm run restore -- <folder> [--force]`: puts a backup back into
 * STATE_DIR while the stack is stopped; then `npm run stack` starts it
 * and loads the broker's definitions. --force replaces state already there.
 */
import { readConfig } from '@energy/lib/config';
import { STACK_CONFIG } from '../stack-config.js';
import { restoreBackup } from './restore-backup.js';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
if (!dir) {
  process.stderr.write('usage: npm run restore -- <backup folder> [--force]\n');
  process.exit(2);
}
const config = readConfig(STACK_CONFIG, process.env);
const started = Date.now();
try {
  const m = await restoreBackup({
    stateDir: config.stateDir,
    dir,
    force: args.includes('--force'),
    stackPorts: [
      { port: config.vmPort, envVar: 'VM_PORT' },
      { port: config.rabbitmqManagementPort, envVar: 'RABBITMQ_MANAGEMENT_PORT' },
      { port: config.apiPort, envVar: 'API_PORT' },
    ],
    ...(process.env.BACKUP_S3_ENDPOINT ? { s3Endpoint: process.env.BACKUP_S3_ENDPOINT } : {}),
    ...(process.env.MONGODB_URI ? { mongodbUri: process.env.MONGODB_URI } : {}),
    log: (line) => process.stderr.write(`restore: ${line}\n`),
  });
  process.stdout.write(
    `restored the backup taken at ${m.takenAt} into ${config.stateDir} in ${((Date.now() - started) / 1000).toFixed(1)} s; start the stack with npm run stack\n`,
  );
} catch (err) {
  process.stderr.write(`restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
