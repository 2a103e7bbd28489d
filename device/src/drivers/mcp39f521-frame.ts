/**
 * MCP39F521 framed protocol (over I2C): a command frame is
 * [0xA5, length, commands…, checksum], the checksum being the sum of every
 * earlier byte modulo 256. A read answers [0x06 ACK, length, data…, checksum].
 */
export const MCP_HEADER = 0xa5;
export const MCP_ACK = 0x06;
export const MCP_NAK = 0x15;
export const MCP_CSFAIL = 0x51;
export const MCP_CMD = { SET_POINTER: 0x41, READ: 0x4e, WRITE: 0x4d } as const;

export function checksum(bytes: ArrayLike<number>, end = bytes.length): number {
  let s = 0;
  for (let i = 0; i < end; i++) s = (s + (bytes[i] ?? 0)) & 0xff;
  return s;
}

export function frame(commands: readonly number[]): Buffer {
  const body = [MCP_HEADER, commands.length + 3, ...commands];
  return Buffer.from([...body, checksum(body)]);
}

export function readFrame(address: number, n: number): Buffer {
  return frame([MCP_CMD.SET_POINTER, (address >> 8) & 0xff, address & 0xff, MCP_CMD.READ, n]);
}

export function writeFrame(address: number, data: readonly number[]): Buffer {
  return frame([
    MCP_CMD.SET_POINTER,
    (address >> 8) & 0xff,
    address & 0xff,
    MCP_CMD.WRITE,
    data.length,
    ...data,
  ]);
}

export type ResponseProblem = 'nak' | 'checksum' | 'garbage';

/** The data of a read response, or why it is not one. */
export function parseReadResponse(buf: Buffer, n: number): Buffer | ResponseProblem {
  if (buf[0] === MCP_NAK) return 'nak';
  if (buf[0] === MCP_CSFAIL) return 'checksum';
  if (buf[0] !== MCP_ACK || buf[1] !== n + 3) return 'garbage';
  if (checksum(buf, n + 2) !== buf[n + 2]) return 'checksum';
  return buf.subarray(2, 2 + n);
}
