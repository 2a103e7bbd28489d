import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isPortFree, run } from '@energy/lib/services/index';
import { PENDING_DEFINITIONS } from './broker-definitions.js';
import { readManifest, type BackupManifest } from './manifest.js';
import { API_STATE_DIR, RABBITMQ_DIR, VM_DATA_DIR } from './state-layout.js';

export interface RestoreOptions {
  readonly stateDir: string;
  readonly dir: string;
  /** Ports of the stack that must be free: a restore under a running stack would be overwritten or corrupt it. */
  readonly stackPorts: readonly { readonly port: number; readonly envVar: string }[];
  /** Replace state that is already there (readings, accounts, the broker's data); else refuse. */
  readonly force?: boolean;
  readonly s3Endpoint?: string;
  readonly mongodbUri?: string;
  readonly log?: (line: string) => void;
}

/**
 * Puts a backup back into STATE_DIR while the stack is stopped: readings
 * with vmrestore, the SQLite files (or mongorestore), the secrets, and the
 * broker definitions for the launcher to load into the fresh broker at its
 * next start (compose/src/components.ts). `npm run stack` afterwards.
 */
export async function restoreBackup(o: RestoreOptions): Promise<BackupManifest> {
  const log = o.log ?? (() => undefined);
  const dir = resolve(o.dir);
  const m = readManifest(dir);
  for (const p of o.stackPorts)
    if (!(await isPortFree(p.port)))
      throw new Error(`port ${p.port} (${p.envVar}) is in use: stop the stack before restoring`);

  const vmDir = join(o.stateDir, VM_DATA_DIR);
  const apiDir = join(o.stateDir, API_STATE_DIR);
  const mnesia = join(o.stateDir, RABBITMQ_DIR, 'mnesia');
  const present = [
    vmDir,
    mnesia,
    ...(m.accounts.kind === 'sqlite' ? m.accounts.files.map((f) => join(o.stateDir, f)) : []),
  ].filter((p) => existsSync(p) && (!isDir(p) || readdirSync(p).length > 0));
  if (present.length > 0 && !o.force)
    throw new Error(`STATE_DIR already holds state (${present.join(', ')}): pass --force to replace it`);
  for (const p of present) rmSync(p, { recursive: true, force: true });
  mkdirSync(o.stateDir, { recursive: true });

  log(`readings: vmrestore ← ${m.readings.destination}`);
  mkdirSync(vmDir, { recursive: true });
  await run(
    'vmrestore',
    [
      `-src=${m.readings.destination}`,
      `-storageDataPath=${vmDir}`,
      ...(o.s3Endpoint ? [`-customS3Endpoint=${o.s3Endpoint}`] : []),
    ],
    { timeoutMs: 6 * 3600_000 },
  );

  log('accounts');
  mkdirSync(apiDir, { recursive: true });
  if (m.accounts.kind === 'sqlite') {
    for (const rel of m.accounts.files) {
      const target = join(o.stateDir, rel);
      // A stale write-ahead log beside the restored file would be replayed into it.
      for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
      copyFileSync(join(dir, 'accounts', rel.slice(API_STATE_DIR.length + 1)), target);
    }
  } else {
    if (!o.mongodbUri) throw new Error('the backup holds MongoDB accounts: MONGODB_URI is required');
    await run(
      'mongorestore',
      [`--uri=${o.mongodbUri}`, `--archive=${join(dir, m.accounts.archive)}`, '--gzip', '--drop'],
      {
        timeoutMs: 6 * 3600_000,
      },
    );
  }

  log('secrets');
  for (const rel of m.secrets) {
    mkdirSync(dirname(join(o.stateDir, rel)), { recursive: true });
    cpSync(join(dir, 'secrets', rel), join(o.stateDir, rel), { recursive: true, preserveTimestamps: true });
  }

  log('broker definitions: loaded at the next start');
  mkdirSync(join(o.stateDir, RABBITMQ_DIR), { recursive: true });
  copyFileSync(join(dir, m.brokerDefinitions.file), join(o.stateDir, RABBITMQ_DIR, PENDING_DEFINITIONS));
  return m;
}

function isDir(p: string): boolean {
  try {
    readdirSync(p);
    return true;
  } catch {
    return false;
  }
}
