import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { brokerUrlsField } from '@energy/lib/broker-urls';
import { amqpTlsProblem } from '@energy/lib/amqp-tls';
import { ConfigError, field, type Field } from '@energy/lib/config';
import { DEFAULT_PORTS, parseDeviceUsername } from '@energy/lib/defaults';
import { CLOCK_CHECK_MODES, type ClockCheckMode } from './clock-sanity.js';

/** Meter definitions as the config file holds them (METERS: a JSON array). */
export type MeterConfig =
  | {
      readonly type: 'simulator';
      readonly sockets: number;
      readonly seed: number;
      readonly householdId: string;
      /** When the simulated chip powered on (Unix s): it keeps its count across daemon restarts; absent: it powers on with the daemon. */
      readonly powerOnS?: number;
    }
  | {
      readonly type: 'shelly-gen2';
      readonly url: string;
      readonly channels: readonly number[];
      readonly firstSocket: number;
    }
  | { readonly type: 'tasmota'; readonly url: string; readonly firstSocket: number }
  /** Whole-house meter through an optical head (serial port set to 9600 8N1 raw beforehand). */
  | { readonly type: 'sml'; readonly device: string; readonly socket: number }
  | {
      readonly type: 'ade7953';
      readonly bus: number;
      readonly firstSocket: number;
      /** TCA9548A channels (one ADE7953 each); absent: one chip directly on the bus. */
      readonly muxChannels?: readonly number[];
      readonly muxAddress?: number;
    }
  | {
      readonly type: 'ina219' | 'ina226' | 'mcp39f521';
      readonly bus: number;
      readonly address: number;
      readonly socket: number;
    };

export interface ExporterConfig {
  readonly amqpUrl: string;
  /** AMQP_URLS: the nodes of a cluster, tried in turn on connection loss; unset: AMQP_URL alone. */
  readonly amqpUrls: readonly string[] | undefined;
  /** The CA that signed the broker's certificate (amqps:// URLs); absent: the system's roots. */
  readonly amqpCaFile: string | undefined;
  readonly username: string;
  readonly password: string;
  readonly outboxPath: string;
  readonly outboxMaxAgeDays: number;
  readonly replayRate: number;
  readonly sampleIntervalS: number;
  readonly metricsPort: number;
  /**
   * The address /metrics listens on: loopback unless told, so that a Pi's
   * metrics are not on its network by accident; 0.0.0.0 (or the Pi's LAN
   * address) lets the household's own Prometheus or Home Assistant scrape it.
   */
  readonly metricsHost: string;
  /**
   * The share of batches published with a W3C `traceparent` header (0..1):
   * those can be followed through the broker to the collector's write.
   */
  readonly traceSampleRatio: number;
  /** Start of a fast simulated clock (Unix s; tests and demos); 0: the real clock. */
  readonly simClockStart: number;
  readonly simClockSpeed: number;
  /** When the wall clock may stamp readings (clock-sanity.ts): auto, wait or trust. */
  readonly clockCheck: ClockCheckMode;
  /** The API (ENERGY_API_URL): protocol and login checks, password rotation; unset: none. */
  readonly apiUrl: string | undefined;
  /** Rotate the broker password every this many days (0: only when the API says so). */
  readonly rotateDays: number;
  /** When the password was last rotated (Unix s), kept in the config file by the rotation. */
  readonly passwordRotatedAt: number;
  readonly meters: readonly MeterConfig[];
}

const spec = {
  amqpUrl: ['AMQP_URL', field.url(`amqp://127.0.0.1:${DEFAULT_PORTS.amqp}`)],
  amqpUrls: ['AMQP_URLS', brokerUrlsField()],
  amqpCaFile: ['AMQP_CA_FILE', field.optionalString()],
  username: ['AMQP_USERNAME', field.string()],
  password: ['AMQP_PASSWORD', field.string()],
  outboxPath: ['OUTBOX_PATH', field.string('energy-exporter-outbox.sqlite')],
  outboxMaxAgeDays: ['OUTBOX_MAX_AGE_DAYS', field.number(30, 0.001, 3650)],
  replayRate: ['REPLAY_RATE', field.number(200, 1, 100_000)],
  sampleIntervalS: ['SAMPLE_INTERVAL_S', field.int(5, 1, 60)],
  metricsPort: ['EXPORTER_METRICS_PORT', field.port(DEFAULT_PORTS.exporterMetrics)],
  metricsHost: ['EXPORTER_METRICS_HOST', listenAddress('127.0.0.1')],
  traceSampleRatio: ['EXPORTER_TRACE_SAMPLE_RATIO', field.number(0.01, 0, 1)],
  simClockStart: ['SIM_CLOCK_START', field.number(0, 0)],
  simClockSpeed: ['SIM_CLOCK_SPEED', field.number(1, 1, 100_000)],
  clockCheck: ['EXPORTER_CLOCK_CHECK', clockCheckMode('auto')],
  apiUrl: ['ENERGY_API_URL', field.optionalString()],
  rotateDays: ['EXPORTER_ROTATE_DAYS', field.number(30, 0, 3650)],
  passwordRotatedAt: ['AMQP_PASSWORD_ROTATED_AT', field.number(0, 0)],
  meters: ['METERS', field.string('[{"type":"simulator"}]')],
} as const satisfies Record<string, readonly [string, Field<unknown>]>;

type Raw = Record<string, string | undefined>;

function clockCheckMode(def: ClockCheckMode): Field<ClockCheckMode> {
  return {
    read(name, raw, problems) {
      const v = (raw ?? def) as ClockCheckMode;
      if (!CLOCK_CHECK_MODES.includes(v))
        problems.push(`${name}=${v} is not one of ${CLOCK_CHECK_MODES.join(', ')}`);
      return v;
    },
  };
}

/** An IP address to listen on (v4 or v6; 0.0.0.0 or :: for every interface). */
function listenAddress(def: string): Field<string> {
  return {
    read(name, raw, problems) {
      const v = raw ?? def;
      if (isIP(v) === 0)
        problems.push(`${name}=${v} is not an IP address (0.0.0.0 listens on every interface)`);
      return v;
    },
  };
}

/** The config file holds the same names as the environment; the environment wins. */
export function readConfigFile(path: string | undefined): { values: Raw; problems: string[] } {
  if (!path) return { values: {}, problems: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, problems: [] };
    return { values: {}, problems: [`config file ${path}: ${(err as Error).message}`] };
  }
  try {
    const obj = JSON.parse(text) as unknown;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error('not a JSON object');
    const values: Raw = {};
    for (const [k, v] of Object.entries(obj)) values[k] = typeof v === 'string' ? v : JSON.stringify(v);
    return { values, problems: [] };
  } catch (err) {
    return { values: {}, problems: [`config file ${path}: ${(err as Error).message}`] };
  }
}

function parseMeters(raw: string, username: string, problems: string[]): MeterConfig[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    problems.push('METERS is not JSON');
    return [];
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('METERS must be a non-empty array');
    return [];
  }
  const out: MeterConfig[] = [];
  const int = (v: unknown, def: number): number => (v === undefined ? def : Number(v));
  list.forEach((m: Record<string, unknown>, i) => {
    const where = `METERS[${i}]`;
    const firstSocket = int(m.firstSocket, 0);
    if (!Number.isInteger(firstSocket) || firstSocket < 0)
      problems.push(`${where}.firstSocket must be a whole number ≥ 0`);
    switch (m.type) {
      case 'simulator': {
        const sockets = int(m.sockets, 30);
        if (!Number.isInteger(sockets) || sockets < 1 || sockets > 256)
          problems.push(`${where}.sockets must be 1..256`);
        if (m.powerOnS !== undefined && !(typeof m.powerOnS === 'number' && m.powerOnS >= 0))
          problems.push(`${where}.powerOnS must be a Unix time in seconds`);
        out.push({
          type: 'simulator',
          sockets,
          seed: int(m.seed, 1),
          householdId:
            typeof m.householdId === 'string'
              ? m.householdId
              : (parseDeviceUsername(username)?.householdId ?? 'sim'),
          ...(typeof m.powerOnS === 'number' && m.powerOnS >= 0 ? { powerOnS: m.powerOnS } : {}),
        });
        break;
      }
      case 'shelly-gen2':
      case 'tasmota': {
        if (typeof m.url !== 'string' || !/^https?:\/\//.test(m.url))
          problems.push(`${where}.url must be an http(s) URL`);
        if (m.type === 'tasmota') out.push({ type: 'tasmota', url: String(m.url), firstSocket });
        else {
          const channels = Array.isArray(m.channels) ? m.channels.map(Number) : [0];
          out.push({ type: 'shelly-gen2', url: String(m.url), channels, firstSocket });
        }
        break;
      }
      case 'sml':
        if (typeof m.device !== 'string' || m.device === '')
          problems.push(`${where}.device must be a serial device path`);
        out.push({ type: 'sml', device: String(m.device), socket: firstSocket });
        break;
      case 'ade7953': {
        const muxChannels = Array.isArray(m.muxChannels) ? m.muxChannels.map(Number) : undefined;
        if (muxChannels?.some((c) => !Number.isInteger(c) || c < 0 || c > 7))
          problems.push(`${where}.muxChannels must be 0..7`);
        out.push({
          type: 'ade7953',
          bus: int(m.bus, 1),
          firstSocket,
          ...(muxChannels ? { muxChannels } : {}),
          muxAddress: int(m.muxAddress, 0x70),
        });
        break;
      }
      case 'ina219':
      case 'ina226':
      case 'mcp39f521':
        out.push({
          type: m.type,
          bus: int(m.bus, 1),
          address: int(m.address, m.type === 'mcp39f521' ? 0x74 : 0x40),
          socket: firstSocket,
        });
        break;
      default:
        problems.push(
          `${where}.type must be one of simulator, shelly-gen2, tasmota, sml, ade7953, mcp39f521, ina219, ina226`,
        );
    }
  });
  return out;
}

/** Reads file + environment; throws one ConfigError listing every problem. */
export function readExporterConfig(env: Raw = process.env): ExporterConfig {
  const file = readConfigFile(env.EXPORTER_CONFIG);
  const merged: Raw = { ...file.values };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  const problems = [...file.problems];
  // Every field is read even after a problem, so all of them are printed at once.
  const base = {} as Record<string, unknown>;
  for (const [key, [name, f]] of Object.entries(spec)) base[key] = f.read(name, merged[name], problems);
  const cfg = base as unknown as Omit<ExporterConfig, 'meters'> & { meters: string };
  if (cfg.username && !parseDeviceUsername(cfg.username))
    problems.push(`AMQP_USERNAME=${cfg.username} is not <householdId>.<deviceId>`);
  for (const u of cfg.amqpUrls ?? [cfg.amqpUrl]) {
    const tlsProblem = amqpTlsProblem(u, cfg.amqpCaFile);
    if (tlsProblem) problems.push(tlsProblem);
  }
  const meters = parseMeters(cfg.meters, cfg.username, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...cfg, meters };
}
