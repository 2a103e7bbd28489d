import type { ComponentState } from './component.js';

/** A plain text table: component, status, pid, address or reason. */
export function statusTable(states: readonly ComponentState[]): string {
  const rows = states.map((s) =>
    'started' in s
      ? [s.name, s.status, s.started.pid === undefined ? '' : String(s.started.pid), s.started.address]
      : [s.name, s.status, '', firstLine(s.reason)],
  );
  const all = [['component', 'status', 'pid', 'address / reason'], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 137)}...` : line;
}
