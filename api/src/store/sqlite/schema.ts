/**
 * Schema migrations, applied in order; PRAGMA user_version records how many
 * ran. Append only: a released migration is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
   CREATE TABLE households (id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
     currency TEXT NOT NULL, tariff TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE memberships (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE, role TEXT NOT NULL,
     PRIMARY KEY (user_id, household_id));
   CREATE INDEX memberships_household ON memberships(household_id);
   CREATE TABLE refresh_tokens (id TEXT PRIMARY KEY, family_id TEXT NOT NULL, user_id TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, used_at INTEGER, revoked_at INTEGER);
   CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
   CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
   CREATE TABLE invites (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, used_at INTEGER);
   CREATE TABLE api_tokens (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
   CREATE TABLE devices (household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE, id TEXT NOT NULL,
     name TEXT NOT NULL, secret_hash TEXT NOT NULL, sockets TEXT NOT NULL, mute_until INTEGER,
     offline_grace_minutes INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (household_id, id));
   CREATE TABLE pairing_codes (code_hash TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     device_name TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
   CREATE TABLE gateways (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, devices TEXT NOT NULL);
   CREATE TABLE notifications (id TEXT PRIMARY KEY, household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
     device_id TEXT, alertname TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL,
     starts_at INTEGER NOT NULL, received_at INTEGER NOT NULL);
   CREATE INDEX notifications_household ON notifications(household_id, received_at);`,
  // Alertmanager repeats an alert every repeat_interval: one row per firing and
  // per resolution. Rows from before carry no fingerprint and never collide.
  `ALTER TABLE notifications ADD COLUMN fingerprint TEXT;
   CREATE UNIQUE INDEX notifications_once ON notifications(household_id, fingerprint, starts_at, status)
     WHERE fingerprint IS NOT NULL;
   ALTER TABLE users ADD COLUMN alert_mails INTEGER NOT NULL DEFAULT 1;`,
  // Read or unread is each member's own: one row per (user, notification) read.
  `CREATE TABLE notification_reads (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     notification_id TEXT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
     PRIMARY KEY (user_id, notification_id));
   CREATE INDEX notification_reads_notification ON notification_reads(notification_id);`,
  // The Grafana provisioning queue (ports/provisioning-queue-store.ts). No
  // foreign key: a deleted household's 'delete' job must outlive it.
  `CREATE TABLE provisioning_jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, household_id TEXT NOT NULL,
     kind TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT NOT NULL, enqueued_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL, last_error TEXT);
   CREATE INDEX provisioning_jobs_household ON provisioning_jobs(household_id, seq);`,
  // The OpenID Connect provider's records (api/src/oidc/), and a display name for its `name`
  // claim (NULL: the e-mail stands in).
  `CREATE TABLE oidc_records (kind TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
     grant_id TEXT, uid TEXT, user_code TEXT, account_id TEXT, expires_at INTEGER, consumed_at INTEGER,
     PRIMARY KEY (kind, id));
   CREATE INDEX oidc_records_grant ON oidc_records(grant_id) WHERE grant_id IS NOT NULL;
   CREATE INDEX oidc_records_account ON oidc_records(account_id) WHERE account_id IS NOT NULL;
   CREATE INDEX oidc_records_uid ON oidc_records(kind, uid) WHERE uid IS NOT NULL;
   CREATE INDEX oidc_records_user_code ON oidc_records(kind, user_code) WHERE user_code IS NOT NULL;
   CREATE INDEX oidc_records_expiry ON oidc_records(expires_at) WHERE expires_at IS NOT NULL;
   ALTER TABLE users ADD COLUMN display_name TEXT;`,
  // Device credential rotation: the secret before the last rotation stays accepted until its time.
  `ALTER TABLE devices ADD COLUMN previous_secret_hash TEXT;
   ALTER TABLE devices ADD COLUMN previous_secret_until INTEGER;`,
  // Passes over every household (the start-up Grafana migration): how far each has come.
  `CREATE TABLE provisioning_cursors (key TEXT PRIMARY KEY, after TEXT NOT NULL, done INTEGER NOT NULL);`,
  // The rows every readings request reads (the caller, its membership, the household, its devices)
  // are kept in each process while this number stands: any write to their tables, by any process
  // on the file, moves it (SqliteDb.memo).
  `CREATE TABLE read_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
   INSERT INTO read_generation (id, n) VALUES (1, 0);
   CREATE TRIGGER users_insert_generation AFTER INSERT ON users BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER users_update_generation AFTER UPDATE ON users BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER users_delete_generation AFTER DELETE ON users BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER memberships_insert_generation AFTER INSERT ON memberships BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER memberships_update_generation AFTER UPDATE ON memberships BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER memberships_delete_generation AFTER DELETE ON memberships BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER households_insert_generation AFTER INSERT ON households BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER households_update_generation AFTER UPDATE ON households BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER households_delete_generation AFTER DELETE ON households BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER devices_insert_generation AFTER INSERT ON devices BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER devices_update_generation AFTER UPDATE ON devices BEGIN UPDATE read_generation SET n = n + 1; END;
   CREATE TRIGGER devices_delete_generation AFTER DELETE ON devices BEGIN UPDATE read_generation SET n = n + 1; END;`,
];
