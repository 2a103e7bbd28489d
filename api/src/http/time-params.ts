import { ApiError } from '../errors.js';

/** RFC 3339 or Unix seconds → ms; `def` when absent. */
export function parseTime(raw: string | string[] | undefined, name: string, def: number): number {
  if (raw === undefined || raw === '') return def;
  const v = Array.isArray(raw) ? (raw[0] ?? '') : raw;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(ms))
    throw new ApiError('invalid_time', `"${name}" is not RFC 3339 or Unix seconds`);
  return ms;
}

export function parseRange(
  q: Record<string, string | string[] | undefined>,
  now: number,
  defaultSpanMs: number,
  maxSpanMs: number,
): { from: number; to: number } {
  const to = parseTime(q.to, 'to', now);
  const from = parseTime(q.from, 'from', to - defaultSpanMs);
  if (from >= to) throw new ApiError('invalid_time', '"from" must be before "to"');
  if (to - from > maxSpanMs)
    throw new ApiError(
      'invalid_time',
      `The range may span at most ${Math.round(maxSpanMs / 86_400_000)} days`,
    );
  return { from, to };
}
