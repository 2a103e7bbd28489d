import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** One socket's folded counter and the meter's own count it was folded from, at a minute's end. */
export interface PersistedSocket {
  readonly socket: number;
  /** The exporter's folded counter (joules since the epoch began, not yet floored to the wire's integer). */
  readonly counter: number;
  /** The meter's own count at the same instant: a later reading below it means the meter's count restarted. */
  readonly raw: number;
}

/**
 * What the exporter needs to continue its counters after a restart: the
 * epoch (boot id), the last sequence number used and every socket's counter
 * as of the last closed interval.
 */
export interface ExporterState {
  readonly bootId: number;
  readonly seq: number;
  readonly endUnixS: number;
  readonly sockets: readonly PersistedSocket[];
}

/** The state file beside the outbox (one device, one outbox, one state). */
export function statePathFor(outboxPath: string): string {
  return `${outboxPath}.state.json`;
}

function isState(v: unknown): v is ExporterState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  return (
    num(s.bootId) &&
    s.bootId !== 0 &&
    num(s.seq) &&
    num(s.endUnixS) &&
    Array.isArray(s.sockets) &&
    s.sockets.every(
      (p: unknown) =>
        typeof p === 'object' &&
        p !== null &&
        num((p as PersistedSocket).socket) &&
        num((p as PersistedSocket).counter) &&
        num((p as PersistedSocket).raw),
    )
  );
}

/** The persisted state, or undefined when there is none or it is unreadable (then a new epoch begins). */
export function readExporterState(path: string): ExporterState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isState(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the state crash-safe: a temporary file, fsynced, renamed over the
 * old one, so a crash leaves either the old state or the new one, never half
 * of either. Called once per closed interval.
 */
export function writeExporterState(path: string, state: ExporterState): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
