import type {
  Device,
  DeviceStore,
  Gateway,
  PairingCode,
  SecretRotation,
  SocketInfo,
} from '../ports/device-store.js';
import { d, dn, s, type Row, type SqliteDb } from './db.js';

function toDevice(r: Row): Device {
  return {
    id: s(r.id),
    householdId: s(r.household_id),
    name: s(r.name),
    secretHash: s(r.secret_hash),
    sockets: JSON.parse(s(r.sockets)) as SocketInfo[],
    muteUntil: dn(r.mute_until),
    offlineGraceMinutes: r.offline_grace_minutes === null ? null : Number(r.offline_grace_minutes),
    createdAt: d(r.created_at),
    ...(r.previous_secret_hash !== null && r.previous_secret_hash !== undefined
      ? { previousSecret: { hash: s(r.previous_secret_hash), until: d(r.previous_secret_until) } }
      : {}),
  };
}

/** Devices (with sockets and alert settings), pairing codes and gateways in SQLite. */
export class SqliteDevices implements DeviceStore {
  constructor(private readonly db: SqliteDb) {}

  createDevice(dev: Omit<Device, 'muteUntil' | 'offlineGraceMinutes' | 'previousSecret'>): Promise<Device> {
    this.db.run(
      'INSERT INTO devices (household_id, id, name, secret_hash, sockets, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      dev.householdId,
      dev.id,
      dev.name,
      dev.secretHash,
      JSON.stringify(dev.sockets),
      dev.createdAt.getTime(),
    );
    return Promise.resolve({ ...dev, muteUntil: null, offlineGraceMinutes: null });
  }
  device(householdId: string, id: string): Promise<Device | undefined> {
    const r = this.db.get('SELECT * FROM devices WHERE household_id = ? AND id = ?', householdId, id);
    return Promise.resolve(r && toDevice(r));
  }
  devices(householdId: string): Promise<readonly Device[]> {
    return Promise.resolve(
      this.db.memo(`devices\u0000${householdId}`, () =>
        this.db
          .all('SELECT * FROM devices WHERE household_id = ? ORDER BY created_at, id', householdId)
          .map(toDevice),
      ),
    );
  }
  deleteDevice(householdId: string, id: string): Promise<boolean> {
    return Promise.resolve(
      this.db.run('DELETE FROM devices WHERE household_id = ? AND id = ?', householdId, id) === 1,
    );
  }
  setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void> {
    this.db.run(
      'UPDATE devices SET secret_hash = ? WHERE household_id = ? AND id = ?',
      secretHash,
      householdId,
      id,
    );
    return Promise.resolve();
  }
  rotateDeviceSecret(householdId: string, id: string, r: SecretRotation): Promise<boolean> {
    const changed = this.db.run(
      `UPDATE devices SET secret_hash = ?, previous_secret_hash = ?, previous_secret_until = ?
       WHERE household_id = ? AND id = ? AND secret_hash = ?`,
      r.to,
      r.previous?.hash ?? null,
      r.previous?.until.getTime() ?? null,
      householdId,
      id,
      r.from,
    );
    return Promise.resolve(changed === 1);
  }
  setSocket(householdId: string, deviceId: string, sock: SocketInfo): Promise<boolean> {
    const ok = this.db.transaction(() => {
      const r = this.db.get(
        'SELECT sockets FROM devices WHERE household_id = ? AND id = ?',
        householdId,
        deviceId,
      );
      if (!r) return false;
      const list = (JSON.parse(s(r.sockets)) as SocketInfo[]).filter((x) => x.socket !== sock.socket);
      list.push(sock);
      list.sort((a, b) => a.socket - b.socket);
      this.db.run(
        'UPDATE devices SET sockets = ? WHERE household_id = ? AND id = ?',
        JSON.stringify(list),
        householdId,
        deviceId,
      );
      return true;
    });
    return Promise.resolve(ok);
  }
  setSockets(householdId: string, deviceId: string, list: readonly SocketInfo[]): Promise<void> {
    this.db.run(
      'UPDATE devices SET sockets = ? WHERE household_id = ? AND id = ?',
      JSON.stringify(list),
      householdId,
      deviceId,
    );
    return Promise.resolve();
  }
  setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean> {
    return Promise.resolve(
      this.db.run(
        'UPDATE devices SET mute_until = ?, offline_grace_minutes = ? WHERE household_id = ? AND id = ?',
        a.muteUntil?.getTime() ?? null,
        a.offlineGraceMinutes,
        householdId,
        deviceId,
      ) === 1,
    );
  }

  createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void> {
    this.db.run(
      'INSERT INTO pairing_codes (code_hash, household_id, device_name, expires_at) VALUES (?, ?, ?, ?)',
      p.codeHash,
      p.householdId,
      p.deviceName,
      p.expiresAt.getTime(),
    );
    return Promise.resolve();
  }
  takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined> {
    const r = this.db.transaction(() => {
      const row = this.db.get(
        'SELECT * FROM pairing_codes WHERE code_hash = ? AND used_at IS NULL',
        codeHash,
      );
      if (!row) return undefined;
      this.db.run('UPDATE pairing_codes SET used_at = ? WHERE code_hash = ?', at.getTime(), codeHash);
      return row;
    });
    return Promise.resolve(
      r && {
        codeHash: s(r.code_hash),
        householdId: s(r.household_id),
        deviceName: s(r.device_name),
        expiresAt: d(r.expires_at),
        usedAt: at,
      },
    );
  }

  upsertGateway(g: Gateway): Promise<void> {
    this.db.run(
      'INSERT INTO gateways (name, password_hash, devices) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, devices = excluded.devices',
      g.name,
      g.passwordHash,
      JSON.stringify(g.devices),
    );
    return Promise.resolve();
  }
  gateway(name: string): Promise<Gateway | undefined> {
    const r = this.db.get('SELECT * FROM gateways WHERE name = ?', name);
    return Promise.resolve(
      r && {
        name: s(r.name),
        passwordHash: s(r.password_hash),
        devices: JSON.parse(s(r.devices)) as string[],
      },
    );
  }
}
