/**
 * Metering devices and how they reach the broker: a household's devices with
 * their sockets and alert settings, the single-use pairing codes that create
 * them, and the gateways that publish for several of them.
 */
export type SocketRole = 'socket' | 'house-meter';
export interface SocketInfo {
  readonly socket: number;
  readonly name: string;
  readonly role: SocketRole;
}

export interface Device {
  readonly id: string;
  readonly householdId: string;
  readonly name: string;
  readonly secretHash: string;
  readonly sockets: readonly SocketInfo[];
  readonly muteUntil: Date | null;
  readonly offlineGraceMinutes: number | null;
  readonly createdAt: Date;
  /**
   * The secret before the last rotation and until when it is still
   * accepted (a device that rotated keeps working while it switches over);
   * absent: only secretHash.
   */
  readonly previousSecret?: { readonly hash: string; readonly until: Date };
}

/** A secret rotation: `to` replaces `from`; `previous` stays accepted until its time (null: nothing else). */
export interface SecretRotation {
  readonly from: string;
  readonly to: string;
  readonly previous: { readonly hash: string; readonly until: Date } | null;
}

export interface PairingCode {
  readonly codeHash: string;
  readonly householdId: string;
  readonly deviceName: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

export interface Gateway {
  readonly name: string;
  readonly passwordHash: string;
  /** Broker usernames `<household>.<device>` the gateway may publish for. */
  readonly devices: readonly string[];
}

export interface DeviceStore {
  createDevice(d: Omit<Device, 'muteUntil' | 'offlineGraceMinutes' | 'previousSecret'>): Promise<Device>;
  device(householdId: string, id: string): Promise<Device | undefined>;
  devices(householdId: string): Promise<readonly Device[]>;
  deleteDevice(householdId: string, id: string): Promise<boolean>;
  setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void>;
  /**
   * Rotates the secret only if it is still `r.from` (of two rotations at
   * once one wins); false when the device is gone or its secret changed.
   */
  rotateDeviceSecret(householdId: string, id: string, r: SecretRotation): Promise<boolean>;
  setSocket(householdId: string, deviceId: string, s: SocketInfo): Promise<boolean>;
  setSockets(householdId: string, deviceId: string, s: readonly SocketInfo[]): Promise<void>;
  setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean>;

  createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void>;
  /** Single use: returns the code and marks it used, or undefined. Atomic. */
  takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined>;

  upsertGateway(g: Gateway): Promise<void>;
  gateway(name: string): Promise<Gateway | undefined>;
}
