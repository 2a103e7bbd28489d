import type Router from '@koa/router';
import type { Context } from 'koa';
import { authOf, requireUser } from '../auth/authenticate.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { energyBuckets } from '../readings/energy.js';
import { rfc3339InZone, type Bucket } from '@energy/lib/local-time';
import { DEFAULT_TARIFF, priceAt, roundMoney, type Tariff } from '../readings/tariff.js';
import { parseRange } from '../readings/time-params.js';
import type { Device, Household } from '../store/accounts-store.js';

const DAY = 86_400_000;
const BUCKETS: readonly Bucket[] = ['hour', 'day', 'week', 'month'];
const MAX_SPAN: Record<Bucket, number> = {
  hour: 31 * DAY,
  day: 400 * DAY,
  week: 800 * DAY,
  month: 3700 * DAY,
};

type Names = (device: string, socket: number) => { name: string; role: string };

function socketNames(devices: readonly Device[]): Names {
  const m = new Map<string, { name: string; role: string }>();
  for (const d of devices)
    for (const s of d.sockets) m.set(`${d.id}|${s.socket}`, { name: s.name, role: s.role });
  return (device, socket) => m.get(`${device}|${socket}`) ?? { name: `Socket ${socket}`, role: 'socket' };
}

const bySocket = (a: { device: string; socket: number }, b: { device: string; socket: number }): number =>
  a.device.localeCompare(b.device) || a.socket - b.socket;

async function context(
  deps: AppDeps,
  ctx: Context,
): Promise<{ hh: Household; names: Names; devices: Device[] }> {
  const a = authOf(ctx);
  const [hh, devices] = await Promise.all([
    deps.store.householdById(a.householdId),
    deps.store.devices(a.householdId),
  ]);
  if (!hh) throw new ApiError('invalid_token');
  return { hh, names: socketNames(devices), devices };
}

function bucketParam(q: Context['query']): Bucket {
  const b = (q.bucket as string | undefined) ?? 'day';
  if (!(BUCKETS as readonly string[]).includes(b))
    throw new ApiError('validation_failed', '"bucket" must be hour, day, week or month');
  return b as Bucket;
}

export function readingRoutes(router: Router, deps: AppDeps): void {
  const user = requireUser(deps);
  const nowMs = (): number => (deps.now?.() ?? new Date()).getTime();

  // The walking skeleton: last power of every socket of the caller's household.
  router.get('/api/v1/readings/live', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const [vals, times] = await Promise.all([
      deps.vm.query(hh.id, 'last_over_time(energy_socket_power_watts[10m])'),
      deps.vm.query(hh.id, 'tlast_over_time(energy_socket_power_watts[10m])'),
    ]);
    const at = new Map(times.map((s) => [`${s.metric.device}|${s.metric.socket}`, Number(s.value[1])]));
    const sockets = vals
      .map((s) => {
        const device = s.metric.device ?? '';
        const socket = Number(s.metric.socket);
        const t = at.get(`${device}|${socket}`);
        return {
          device,
          socket,
          name: names(device, socket).name,
          watts: Number(s.value[1]),
          at: t === undefined ? null : rfc3339InZone(t * 1000, hh.timeZone),
        };
      })
      .sort(bySocket);
    ctx.body = { at: rfc3339InZone(nowMs(), hh.timeZone), sockets };
  });

  router.get('/api/v1/readings/power', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const { from, to } = parseRange(ctx.query, nowMs(), DAY, 31 * DAY);
    const stepQ = ctx.query.step as string | undefined;
    const step = stepQ ? Number(stepQ) : Math.max(60, Math.ceil((to - from) / 1000 / 1440 / 60) * 60);
    if (!Number.isInteger(step) || step < 10 || (to - from) / 1000 / step > 11_000)
      throw new ApiError(
        'validation_failed',
        '"step" must be whole seconds, at least 10, and give at most 11000 points',
      );
    const start = Math.ceil(from / 1000 / step) * step;
    const end = Math.floor(to / 1000 / step) * step;
    const timestamps: number[] = [];
    for (let t = start; t <= end; t += step) timestamps.push(t);
    const series =
      end < start
        ? []
        : await deps.vm.queryRange(
            hh.id,
            `avg_over_time(energy_socket_power_watts[${step}s])`,
            start,
            end,
            step,
          );
    ctx.body = {
      from: rfc3339InZone(start * 1000, hh.timeZone),
      to: rfc3339InZone(end * 1000, hh.timeZone),
      stepSeconds: step,
      timestamps: timestamps.map((t) => rfc3339InZone(t * 1000, hh.timeZone)),
      series: series
        .map((s) => {
          const device = s.metric.device ?? '';
          const socket = Number(s.metric.socket);
          const byT = new Map(s.values.map(([t, v]) => [t, Number(v)]));
          return {
            device,
            socket,
            name: names(device, socket).name,
            watts: timestamps.map((t) => byT.get(t) ?? null),
          };
        })
        .sort(bySocket),
    };
  });

  const energy = async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const bucket = bucketParam(ctx.query);
    const defaultSpan = { hour: DAY, day: 31 * DAY, week: 12 * 7 * DAY, month: 365 * DAY }[bucket];
    const { from, to } = parseRange(ctx.query, nowMs(), defaultSpan, MAX_SPAN[bucket]);
    const tariff = (hh.tariff as Tariff | null) ?? DEFAULT_TARIFF;
    const bs = await energyBuckets(deps.vm, hh.id, { from, to, bucket, timeZone: hh.timeZone, tariff });
    return { hh, bucket, names, bs };
  };

  router.get('/api/v1/readings/energy', user, async (ctx: Context) => {
    const { hh, bucket, bs } = await energy(ctx);
    ctx.body = {
      bucket,
      timeZone: hh.timeZone,
      currency: hh.currency,
      buckets: bs.map((b) => ({
        start: rfc3339InZone(b.start, hh.timeZone),
        end: rfc3339InZone(b.end, hh.timeZone),
        kwh: b.kwh,
        cost: b.cost,
        sockets: b.sockets,
      })),
    };
  });

  router.get('/api/v1/readings/export.csv', user, async (ctx: Context) => {
    const { hh, names, bs } = await energy(ctx);
    const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const lines = [`start,end,device,socket,name,kwh,cost_${hh.currency}`];
    for (const b of bs) {
      for (const s of b.sockets) {
        lines.push(
          [
            rfc3339InZone(b.start, hh.timeZone),
            rfc3339InZone(b.end, hh.timeZone),
            q(s.device),
            s.socket,
            q(names(s.device, s.socket).name),
            s.kwh,
            s.cost,
          ].join(','),
        );
      }
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('content-disposition', 'attachment; filename="energy.csv"');
    ctx.body = `${lines.join('\n')}\n`;
  });

  // Standby: the 5th percentile of a week's power is what a socket draws when "off".
  router.get('/api/v1/readings/standby', user, async (ctx: Context) => {
    const { hh, names } = await context(deps, ctx);
    const tariff = (hh.tariff as Tariff | null) ?? DEFAULT_TARIFF;
    const price = priceAt(tariff, nowMs(), hh.timeZone);
    const rows = await deps.vm.query(hh.id, 'quantile_over_time(0.05, energy_socket_power_watts[7d])');
    const yearly = (w: number): { kwhPerYear: number; costPerYear: number } => {
      const kwh = (w * 8766) / 1000;
      return { kwhPerYear: Math.round(kwh * 1000) / 1000, costPerYear: roundMoney(kwh * price) };
    };
    const all = rows
      .map((s) => {
        const device = s.metric.device ?? '';
        const socket = Number(s.metric.socket);
        const n = names(device, socket);
        const w = Math.round(Number(s.value[1]) * 1000) / 1000;
        return { device, socket, name: n.name, role: n.role, baselineWatts: w, ...yearly(w) };
      })
      .sort(bySocket);
    const meter = all.filter((s) => s.role === 'house-meter');
    const sockets = all.filter((s) => s.role !== 'house-meter');
    let untracked = null;
    if (meter.length > 0) {
      const w = Math.max(
        0,
        meter.reduce((a, s) => a + s.baselineWatts, 0) - sockets.reduce((a, s) => a + s.baselineWatts, 0),
      );
      untracked = { baselineWatts: Math.round(w * 1000) / 1000, ...yearly(w) };
    }
    ctx.body = { currency: hh.currency, pricePerKwh: price, sockets, houseMeters: meter, untracked };
  });

  router.get('/api/v1/notifications', user, async (ctx: Context) => {
    const a = authOf(ctx);
    const list = await deps.store.notifications(a.householdId, 100);
    ctx.body = {
      notifications: list.map((n) => ({
        id: n.id,
        device: n.deviceId,
        alertname: n.alertname,
        status: n.status,
        summary: n.summary,
        startsAt: n.startsAt.toISOString(),
        receivedAt: n.receivedAt.toISOString(),
      })),
    };
  });
}
