import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { run } from '@energy/lib/services/index';
import type { ManagementAccess } from '../broker-users.js';
import { exportDefinitions } from './broker-definitions.js';
import { writeManifest, type BackupManifest } from './manifest.js';
import { SECRET_PATHS, VM_DATA_DIR, API_STATE_DIR } from './state-layout.js';

export interface BackupOptions {
  readonly stateDir: string;
  /** A new or empty local folder: manifest, accounts, broker definitions, secrets (and the readings unless readingsDst). */
  readonly dir: string;
  /** The running platform VictoriaMetrics (its /snapshot/create). */
  readonly vmUrl: string;
  readonly broker: ManagementAccess;
  /** vmbackup's -dst for the readings: s3://bucket/path (S3-compatible with s3Endpoint); default fs://<dir>/readings. */
  readonly readingsDst?: string;
  readonly s3Endpoint?: string;
  /** Accounts in MongoDB: mongodump of this URI instead of the SQLite files. */
  readonly mongodbUri?: string;
  readonly log?: (line: string) => void;
}

/**
 * Takes a backup of a running stack, online: readings through a
 * VictoriaMetrics snapshot (vmbackup makes and deletes it), accounts with
 * SQLite's online backup API (consistent while the API writes) or
 * mongodump, the broker's definitions from its management API, and the
 * secrets in STATE_DIR. The manifest is written last.
 */
export async function takeBackup(o: BackupOptions): Promise<BackupManifest> {
  const log = o.log ?? (() => undefined);
  const dir = resolve(o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`backup folder ${dir} is not empty`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const takenAt = new Date().toISOString();

  const readingsDst = o.readingsDst ?? `fs://${join(dir, 'readings')}`;
  log(`readings: vmbackup → ${readingsDst}`);
  await run(
    'vmbackup',
    [
      `-storageDataPath=${join(o.stateDir, VM_DATA_DIR)}`,
      `-snapshot.createURL=${o.vmUrl.replace(/\/$/, '')}/snapshot/create`,
      `-dst=${readingsDst}`,
      ...(o.s3Endpoint ? [`-customS3Endpoint=${o.s3Endpoint}`] : []),
    ],
    { timeoutMs: 6 * 3600_000 },
  );

  log('accounts');
  const accounts: BackupManifest['accounts'] = o.mongodbUri
    ? await mongodump(o.mongodbUri, dir)
    : await sqliteBackup(o.stateDir, dir);

  log('broker definitions');
  const defs = await exportDefinitions(o.broker);
  writeFileSync(join(dir, 'broker-definitions.json'), `${JSON.stringify(defs)}\n`, { mode: 0o600 });

  log('secrets');
  const secrets: string[] = [];
  for (const rel of SECRET_PATHS) {
    const from = join(o.stateDir, rel);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dir, 'secrets', rel)), { recursive: true, mode: 0o700 });
    cpSync(from, join(dir, 'secrets', rel), { recursive: true, preserveTimestamps: true });
    secrets.push(rel);
  }

  const manifest: BackupManifest = {
    format: 1,
    takenAt,
    finishedAt: new Date().toISOString(),
    readings: { destination: readingsDst, tool: 'vmbackup' },
    accounts,
    brokerDefinitions: {
      file: 'broker-definitions.json',
      vhosts: defs.vhosts?.length ?? 0,
      users: defs.users?.length ?? 0,
      queues: defs.queues?.length ?? 0,
    },
    secrets,
  };
  writeManifest(dir, manifest);
  return manifest;
}

async function sqliteBackup(stateDir: string, dir: string): Promise<BackupManifest['accounts']> {
  const apiDir = join(stateDir, API_STATE_DIR);
  const files = existsSync(apiDir) ? readdirSync(apiDir).filter((f) => f.endsWith('.sqlite')) : [];
  const rows: Record<string, number> = {};
  mkdirSync(join(dir, 'accounts'), { recursive: true, mode: 0o700 });
  for (const f of files) {
    const db = new Database(join(apiDir, f), { readonly: true, fileMustExist: true });
    try {
      const target = join(dir, 'accounts', f);
      await db.backup(target);
      // Counted in the copy: the numbers are what the restore will hold.
      const copy = new Database(target, { readonly: true });
      try {
        const tables = copy
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
          .all() as { name: string }[];
        for (const t of tables)
          rows[`${f}:${t.name}`] = (
            copy.prepare(`SELECT count(*) AS n FROM "${t.name.replace(/"/g, '""')}"`).get() as { n: number }
          ).n;
      } finally {
        copy.close();
      }
    } finally {
      db.close();
    }
  }
  return { kind: 'sqlite', files: files.map((f) => join(API_STATE_DIR, f)), rows };
}

/** Not run here (no MongoDB server on this machine): mongodump from Debian's or MongoDB's tools. */
async function mongodump(uri: string, dir: string): Promise<BackupManifest['accounts']> {
  const archive = 'accounts.mongo.archive.gz';
  await run('mongodump', [`--uri=${uri}`, `--archive=${join(dir, archive)}`, '--gzip'], {
    timeoutMs: 6 * 3600_000,
  });
  return { kind: 'mongodb', archive };
}
