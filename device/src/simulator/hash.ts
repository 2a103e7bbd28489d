/**
 * Small integer hashes: the simulator is a pure function of its inputs, so
 * every "random" choice is a hash of (seed, household, socket, time slot).
 */
export function hashString(s: string): number {
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number): number {
  // murmur3 finaliser.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash4(a: number, b: number, c: number, d: number): number {
  let h = mix(a ^ 0x9e3779b9);
  h = mix(h ^ Math.imul(b, 0x27d4eb2d));
  h = mix(h ^ Math.imul(c, 0x165667b1));
  h = mix(h ^ Math.imul(d, 0x2545f491));
  return h;
}

/** Uniform in [0, 1). */
export function unit(a: number, b: number, c: number, d: number): number {
  return hash4(a, b, c, d) / 4294967296;
}
