import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What one backup holds and when it was taken (`manifest.json` at the top
 * of the backup folder). Restore reads it first and refuses a folder
 * without one: a half-written backup has none (it is written last).
 */
export interface BackupManifest {
  readonly format: 1;
  /** When the backup started (ISO 8601); the readings' snapshot is taken right after. */
  readonly takenAt: string;
  readonly finishedAt: string;
  readonly readings: {
    /** vmbackup's -dst: fs:///… inside the folder, or s3://… when BACKUP_READINGS_DST names one. */
    readonly destination: string;
    readonly tool: 'vmbackup';
  };
  readonly accounts:
    | {
        readonly kind: 'sqlite';
        /** Paths relative to STATE_DIR, copied by SQLite's online backup into `accounts/`. */
        readonly files: readonly string[];
        /** Rows per table at the backup, so a restore can be counted back. */
        readonly rows: Readonly<Record<string, number>>;
      }
    | { readonly kind: 'mongodb'; readonly archive: string };
  readonly brokerDefinitions: {
    readonly file: string;
    readonly vhosts: number;
    readonly users: number;
    readonly queues: number;
  };
  /** Paths relative to STATE_DIR, copied into `secrets/` (CA and keys, generated passwords, the fleet manifest). */
  readonly secrets: readonly string[];
}

export const MANIFEST_FILE = 'manifest.json';

export function writeManifest(dir: string, m: BackupManifest): void {
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
}

export function readManifest(dir: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Partial<BackupManifest>;
  } catch (err) {
    throw new Error(
      `${dir} is not a complete backup: ${MANIFEST_FILE} cannot be read (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  if (m.format !== 1 || !m.readings || !m.accounts || !m.brokerDefinitions || !m.secrets)
    throw new Error(`${join(dir, MANIFEST_FILE)}: not a manifest of format 1`);
  return m as BackupManifest;
}
