/**
 * SML (Smart Message Language), as German smart meters speak through their
 * optical interface: frames between 1B1B1B1B 01010101 and 1B1B1B1B 1A xx
 * crc crc, holding TL-encoded messages. Only what the exporter needs is
 * decoded: list entries (OBIS code, unit, scaler, value), so that 1.8.0
 * (import energy, Wh) and 16.7.0 (current power, W) can be picked out.
 */
export type SmlNode = Buffer | bigint | boolean | null | SmlNode[];

export class SmlParseError extends Error {
  override name = 'SmlParseError';
}

const START = Buffer.from([0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01]);
const ESCAPE = Buffer.from([0x1b, 0x1b, 0x1b, 0x1b]);

/** CRC-16/X-25, the checksum of an SML frame. */
export function crcX25(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return ~crc & 0xffff;
}

/** Finds complete frames in a byte stream; returns them and the unconsumed rest. */
export function extractFrames(buf: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const start = buf.indexOf(START, pos);
    if (start < 0) return { frames, rest: buf.subarray(Math.max(pos, buf.length - START.length + 1)) };
    // The end escape 1B1B1B1B 1A is 4-byte aligned after the start.
    let end = -1;
    for (let i = start + 8; i + 8 <= buf.length; i += 4) {
      if (buf.subarray(i, i + 4).equals(ESCAPE) && buf[i + 4] === 0x1a) {
        end = i + 8;
        break;
      }
    }
    if (end < 0) return { frames, rest: buf.subarray(start) };
    frames.push(buf.subarray(start, end));
    pos = end;
  }
}

/** Checks the CRC and returns the message bytes between the escapes (padding included). */
export function frameBody(frame: Buffer): Buffer {
  const crc = crcX25(frame.subarray(0, frame.length - 2));
  const got = frame.readUInt16BE(frame.length - 2);
  // Meters disagree about the byte order of the CRC; either is accepted.
  const swapped = ((crc & 0xff) << 8) | (crc >> 8);
  if (got !== crc && got !== swapped) throw new SmlParseError('SML frame CRC mismatch');
  const padding = frame[frame.length - 3] ?? 0;
  return frame.subarray(8, frame.length - 8 - padding);
}

function readNode(buf: Buffer, pos: number): [SmlNode, number] {
  let tl = buf[pos];
  if (tl === undefined) throw new SmlParseError('truncated SML');
  if (tl === 0x00) return [null, pos + 1]; // end of message
  const type = (tl >> 4) & 0x07;
  let len = tl & 0x0f;
  let tlBytes = 1;
  while (tl & 0x80) {
    tl = buf[pos + tlBytes];
    if (tl === undefined) throw new SmlParseError('truncated SML length');
    len = (len << 4) | (tl & 0x0f);
    tlBytes++;
  }
  pos += tlBytes;
  if (type === 7) {
    const list: SmlNode[] = [];
    for (let i = 0; i < len; i++) {
      const [n, next] = readNode(buf, pos);
      list.push(n);
      pos = next;
    }
    return [list, pos];
  }
  const dataLen = len - tlBytes;
  if (dataLen < 0 || pos + dataLen > buf.length) throw new SmlParseError('SML element overruns the frame');
  const data = buf.subarray(pos, pos + dataLen);
  pos += dataLen;
  if (dataLen === 0 && type === 0) return [null, pos]; // 0x01: optional field absent
  switch (type) {
    case 0:
      return [data, pos];
    case 4:
      return [data[0] !== 0, pos];
    case 5:
      return [signed(data), pos];
    case 6:
      return [unsigned(data), pos];
    default:
      return [data, pos];
  }
}

function unsigned(d: Buffer): bigint {
  let v = 0n;
  for (const b of d) v = (v << 8n) | BigInt(b);
  return v;
}

function signed(d: Buffer): bigint {
  const u = unsigned(d);
  const bits = BigInt(d.length * 8);
  return u >= 1n << (bits - 1n) ? u - (1n << bits) : u;
}

/** Parses every message of a frame body into TL trees. */
export function parseMessages(body: Buffer): SmlNode[] {
  const out: SmlNode[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0x00) {
      pos++;
      continue;
    }
    const [n, next] = readNode(body, pos);
    out.push(n);
    pos = next;
  }
  return out;
}

export interface ObisValue {
  readonly obis: string;
  readonly value: number;
  readonly unit: number | undefined;
}

export function obisCode(b: Buffer): string {
  return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}*${b[5]}`;
}

/** Every list entry (objName, status, valTime, unit, scaler, value, signature) anywhere in the trees. */
export function obisValues(nodes: readonly SmlNode[]): ObisValue[] {
  const out: ObisValue[] = [];
  const walk = (n: SmlNode): void => {
    if (!Array.isArray(n)) return;
    const [name, , , unit, scaler, value] = n;
    if (n.length === 7 && Buffer.isBuffer(name) && name.length === 6 && typeof value === 'bigint') {
      const s = typeof scaler === 'bigint' ? Number(scaler) : 0;
      out.push({
        obis: obisCode(name),
        value: s < 0 ? Number(value) / 10 ** -s : Number(value) * 10 ** s,
        unit: typeof unit === 'bigint' ? Number(unit) : undefined,
      });
      return;
    }
    n.forEach(walk);
  };
  nodes.forEach(walk);
  return out;
}

export const OBIS_IMPORT_ENERGY = '1-0:1.8.0*255';
export const OBIS_POWER = '1-0:16.7.0*255';
