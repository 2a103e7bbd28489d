import type {
  Device,
  DeviceStore,
  Gateway,
  PairingCode,
  SecretRotation,
  SocketInfo,
} from '../ports/device-store.js';
import { dn, str, type Doc, type Models } from './models.js';

function toDevice(r: Doc): Device {
  return {
    id: str(r.id),
    householdId: str(r.householdId),
    name: str(r.name),
    secretHash: str(r.secretHash),
    sockets: ((r.sockets as SocketInfo[] | undefined) ?? []).map((x) => ({
      socket: x.socket,
      name: x.name,
      role: x.role,
    })),
    muteUntil: dn(r.muteUntil),
    offlineGraceMinutes: typeof r.offlineGraceMinutes === 'number' ? r.offlineGraceMinutes : null,
    createdAt: r.createdAt as Date,
    ...(typeof r.previousSecretHash === 'string' && r.previousSecretUntil instanceof Date
      ? { previousSecret: { hash: r.previousSecretHash, until: r.previousSecretUntil } }
      : {}),
  };
}

/** Devices (with sockets and alert settings), pairing codes and gateways in MongoDB. */
export class MongoDevices implements DeviceStore {
  constructor(private readonly m: Models) {}

  async createDevice(
    d: Omit<Device, 'muteUntil' | 'offlineGraceMinutes' | 'previousSecret'>,
  ): Promise<Device> {
    await this.m.Device.create({ ...d, sockets: [...d.sockets], muteUntil: null, offlineGraceMinutes: null });
    return { ...d, muteUntil: null, offlineGraceMinutes: null };
  }
  async device(householdId: string, id: string): Promise<Device | undefined> {
    const r = await this.m.Device.findOne({ householdId, id }).lean<Doc>();
    return r ? toDevice(r) : undefined;
  }
  async devices(householdId: string): Promise<Device[]> {
    const rs = await this.m.Device.find({ householdId }).sort({ createdAt: 1, id: 1 }).lean<Doc[]>();
    return rs.map(toDevice);
  }
  async deleteDevice(householdId: string, id: string): Promise<boolean> {
    return (await this.m.Device.deleteOne({ householdId, id })).deletedCount === 1;
  }
  async setDeviceSecretHash(householdId: string, id: string, secretHash: string): Promise<void> {
    await this.m.Device.updateOne({ householdId, id }, { secretHash });
  }
  async rotateDeviceSecret(householdId: string, id: string, r: SecretRotation): Promise<boolean> {
    const res = await this.m.Device.updateOne(
      { householdId, id, secretHash: r.from },
      {
        secretHash: r.to,
        previousSecretHash: r.previous?.hash ?? null,
        previousSecretUntil: r.previous?.until ?? null,
      },
    );
    return res.matchedCount === 1;
  }
  async setSocket(householdId: string, deviceId: string, s: SocketInfo): Promise<boolean> {
    const d = await this.device(householdId, deviceId);
    if (!d) return false;
    const list = d.sockets
      .filter((x) => x.socket !== s.socket)
      .concat([s])
      .sort((a, b) => a.socket - b.socket);
    await this.setSockets(householdId, deviceId, list);
    return true;
  }
  async setSockets(householdId: string, deviceId: string, s: readonly SocketInfo[]): Promise<void> {
    await this.m.Device.updateOne({ householdId, id: deviceId }, { sockets: [...s] });
  }
  async setDeviceAlerts(
    householdId: string,
    deviceId: string,
    a: { muteUntil: Date | null; offlineGraceMinutes: number | null },
  ): Promise<boolean> {
    return (
      (
        await this.m.Device.updateOne(
          { householdId, id: deviceId },
          { muteUntil: a.muteUntil, offlineGraceMinutes: a.offlineGraceMinutes },
        )
      ).matchedCount === 1
    );
  }

  async createPairingCode(p: Omit<PairingCode, 'usedAt'>): Promise<void> {
    await this.m.PairingCode.create({
      _id: p.codeHash,
      householdId: p.householdId,
      deviceName: p.deviceName,
      expiresAt: p.expiresAt,
      usedAt: null,
    });
  }
  async takePairingCode(codeHash: string, at: Date): Promise<PairingCode | undefined> {
    const r = await this.m.PairingCode.findOneAndUpdate(
      { _id: codeHash, usedAt: null },
      { usedAt: at },
    ).lean<Doc>();
    return r
      ? {
          codeHash,
          householdId: str(r.householdId),
          deviceName: str(r.deviceName),
          expiresAt: r.expiresAt as Date,
          usedAt: at,
        }
      : undefined;
  }

  async upsertGateway(g: Gateway): Promise<void> {
    await this.m.Gateway.updateOne(
      { _id: g.name },
      { passwordHash: g.passwordHash, devices: [...g.devices] },
      { upsert: true },
    );
  }
  async gateway(name: string): Promise<Gateway | undefined> {
    const r = await this.m.Gateway.findById(name).lean<Doc>();
    return r
      ? { name, passwordHash: str(r.passwordHash), devices: (r.devices as string[]).map(String) }
      : undefined;
  }
}
