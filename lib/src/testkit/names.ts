import { randomBytes } from 'node:crypto';

let counter = 0;

/** A name no other test of this run (or a parallel run) uses: prefix, pid, counter, random. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}
