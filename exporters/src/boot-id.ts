import { randomBytes } from 'node:crypto';

/** A random 32-bit boot id: a new counter epoch; never 0 so it is visibly set on the wire. */
export function newBootId(): number {
  let id = 0;
  while (id === 0) id = randomBytes(4).readUInt32BE(0);
  return id;
}

/** messageId per the contract: `<bootId hex>-<seq>`; a replayed batch keeps it, so duplicates are visible. */
export function batchMessageId(bootId: number, seq: number): string {
  return `${(bootId >>> 0).toString(16).padStart(8, '0')}-${seq}`;
}
