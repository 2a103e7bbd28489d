import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets generated on the first start and kept in STATE_DIR, so restarts keep working credentials. */
export interface StackSecrets {
  readonly brokerAuthSecret: string;
  readonly collectorPassword: string;
}

export function prepareStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true });
  // The broker runs as user rabbitmq and must traverse it to reach its own folder.
  chmodSync(stateDir, 0o755);
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
}

export function loadSecrets(stateDir: string, brokerAuthSecretOverride?: string): StackSecrets {
  const file = join(stateDir, 'secrets.json');
  const saved: Partial<StackSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<StackSecrets>)
    : {};
  const secrets: StackSecrets = {
    brokerAuthSecret: brokerAuthSecretOverride ?? saved.brokerAuthSecret ?? randomBytes(24).toString('hex'),
    collectorPassword: saved.collectorPassword ?? randomBytes(18).toString('base64url'),
  };
  if (
    secrets.brokerAuthSecret !== saved.brokerAuthSecret ||
    secrets.collectorPassword !== saved.collectorPassword
  ) {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
