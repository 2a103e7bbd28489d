import { MeterReadError } from '../power-meter.js';

/** GET a JSON body with a deadline; every failure is a typed MeterReadError. */
export async function getJson(chip: string, url: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new MeterReadError(
      chip,
      timeout ? 'timeout' : 'io',
      `${url}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new MeterReadError(chip, 'http-status', `${url}: HTTP ${res.status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MeterReadError(chip, 'garbage', `${url}: body is not JSON`, { cause: err });
  }
}

export function finiteNumber(chip: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new MeterReadError(chip, 'garbage', `${what} is not a number`);
  return v;
}
