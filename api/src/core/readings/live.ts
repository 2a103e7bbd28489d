import type { SeriesReader } from './series-reader.js';
import { bySocket, type ReadingHousehold, type SocketNames } from './sockets.js';
import { rfc3339 } from './zone-clock.js';

/** A socket silent for longer than this is not live: it drops out of the view. */
export const LIVE_WINDOW_MS = 10 * 60_000;

export interface LiveView {
  readonly at: string;
  readonly sockets: {
    readonly device: string;
    readonly socket: number;
    readonly name: string;
    readonly watts: number;
    readonly at: string | null;
  }[];
}

/** The last power of every socket of the household, with when it was read, in the household's zone. */
export async function liveView(
  series: Pick<SeriesReader, 'latestPower'>,
  hh: ReadingHousehold,
  names: SocketNames,
  nowMs: () => number,
): Promise<LiveView> {
  const latest = await series.latestPower(hh.id, LIVE_WINDOW_MS);
  const sockets = latest
    .map((s) => ({
      device: s.device,
      socket: s.socket,
      name: names(s.device, s.socket).name,
      watts: s.watts,
      at: s.atMs === undefined ? null : rfc3339(s.atMs, hh.timeZone),
    }))
    .sort(bySocket);
  return { at: rfc3339(nowMs(), hh.timeZone), sockets };
}
