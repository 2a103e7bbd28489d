import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Logger } from '@energy/lib/logger';
import { DeviceApiError, fetchSelf, rotatePassword, type DeviceLogin } from './device-api.js';
import type { ExporterMetrics } from './metrics.js';

/**
 * The ReadingBatch version this exporter's batches need: it never sets
 * `min_collector_version`, so 1. A later exporter that sets it raises this.
 */
export const BATCH_VERSION_NEEDED = 1;

export interface RotatorOptions {
  readonly apiUrl: string;
  readonly username: string;
  readonly password: string;
  /** Rotate on our own after this many seconds since the last rotation; 0: only when the API says the login expires. */
  readonly rotateEveryS: number;
  /** When the password was last rotated (Unix s; 0: never, so a schedule rotates at the first look). */
  readonly rotatedAtS: number;
  /**
   * Saves the new password durably before it is used: a crash right after
   * a rotation must not leave the device with a password it no longer has.
   * Absent: the password lives elsewhere (the environment) and is not rotated.
   */
  readonly persist?: (password: string, rotatedAtS: number) => void;
  /** Switches the broker connection to the new password. */
  readonly use: (password: string) => void;
  readonly metrics: ExporterMetrics;
  readonly log: Logger;
  readonly nowS?: () => number;
}

/**
 * Asks the API about this device now and then: the ReadingBatch version
 * the platform takes (a gauge on /metrics, so a too-old device says so)
 * and whether its login expires (an operator forced rotation) — then, or
 * when its own schedule is due, it rotates its password.
 */
export class CredentialRotator {
  private password: string;
  private rotatedAtS: number;
  private timer: NodeJS.Timeout | undefined;
  private warnedNoPersist = false;
  private readonly nowS: () => number;

  constructor(private readonly o: RotatorOptions) {
    this.password = o.password;
    this.nowS = o.nowS ?? ((): number => Date.now() / 1000);
    this.rotatedAtS = o.rotatedAtS;
    o.metrics.batchVersionNeeded.set(BATCH_VERSION_NEEDED);
  }

  private login(): DeviceLogin {
    return { apiUrl: this.o.apiUrl, username: this.o.username, password: this.password };
  }

  /** One look at the API; never throws (a failure is logged, counted and tried again next time). */
  async checkOnce(): Promise<void> {
    const { metrics, log } = this.o;
    try {
      const self = await fetchSelf(this.login());
      metrics.credentialsValid.set(1);
      const platform = self.protocol.readingBatch.maxVersion;
      metrics.platformBatchVersion.set(platform);
      metrics.batchVersionSupported.set(BATCH_VERSION_NEEDED <= platform ? 1 : 0);
      if (BATCH_VERSION_NEEDED > platform)
        log.error(
          { needed: BATCH_VERSION_NEEDED, platform },
          "the platform cannot store this exporter's batches yet",
        );
      const expires = self.credentials.expiresAt !== null;
      const due = this.o.rotateEveryS > 0 && this.nowS() - this.rotatedAtS >= this.o.rotateEveryS;
      if (expires || due) await this.rotate(expires ? 'expiring' : 'scheduled');
    } catch (err) {
      const refused = err instanceof DeviceApiError && err.status === 401;
      if (refused) metrics.credentialsValid.set(0);
      metrics.apiChecks.inc({ outcome: refused ? 'refused' : 'error' });
      log[refused ? 'error' : 'warn'](
        { err: err instanceof Error ? err.message : String(err) },
        refused
          ? 'the API refuses this device login: pair the device again'
          : 'device check with the API failed',
      );
      return;
    }
    metrics.apiChecks.inc({ outcome: 'ok' });
  }

  private async rotate(why: 'expiring' | 'scheduled'): Promise<void> {
    const { persist, log, metrics } = this.o;
    if (!persist) {
      if (!this.warnedNoPersist)
        log.warn({ why }, 'the password is due for rotation but comes from the environment: rotate it there');
      this.warnedNoPersist = true;
      return;
    }
    const next = await rotatePassword(this.login());
    const at = Math.floor(this.nowS());
    // Durable first: the old password stays accepted for the API's grace period, the new one only if we keep it.
    persist(next, at);
    this.password = next;
    this.rotatedAtS = at;
    this.o.use(next);
    metrics.rotations.inc({ reason: why });
    log.info({ why }, 'broker password rotated');
  }

  start(intervalS: number): void {
    const tick = (): void => {
      void this.checkOnce().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, intervalS * 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Writes the rotated password into the config file, keeping its other
 * settings: a temporary file, fsynced, renamed over the old one, readable
 * by the owner only.
 */
export function writePasswordToConfig(configPath: string, password: string, rotatedAtS: number): void {
  const existing = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const next = { ...existing, AMQP_PASSWORD: password, AMQP_PASSWORD_ROTATED_AT: rotatedAtS };
  const tmp = `${configPath}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(next, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, configPath);
}
