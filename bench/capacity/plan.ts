/**
 * The capacity plan's arithmetic, without I/O: from per-node figures
 * measured on one machine class (measured.json says where each comes from)
 * and stated assumptions, the nodes of each tier for a number of
 * households. Every tier is sized by each resource it spends (CPU, memory,
 * connections, logins in a storm) at `headroom` of the measured ceiling, and
 * keeps a floor for redundancy; the row names the resource that set the
 * largest tier.
 */

export interface Figure {
  readonly value: number;
  readonly date: string;
  readonly source: string;
  readonly command: string;
}

export interface Measured {
  /** Broker messages/s per node (persistent, quorum queue, confirms). */
  readonly brokerMsgsPerSec: number;
  /** Collector CPU per 1,000 messages (decode, validate, encode, write), ms of one core. */
  readonly collectorCpuMsPer1000Msgs: number;
  /** Broker memory per idle-ish device connection (one channel, a batch a minute), KB. */
  readonly memoryPerConnectionKB: number;
  /** One API process answering the broker's user checks, per second (wall rate on the shared machine). */
  readonly loginsPerSec: number;
  /** CPU of one auth check in the API process, ms (load-independent: it sizes the API for storms). */
  readonly authCpuMsPerCheck: number;
  /** HTTP auth checks a fresh connection costs with the cache cold (user ×2, vhost, resource, topic). */
  readonly authChecksPerConnection: number;
  /** Seconds from a restarted broker until every device of a fleet published again (bench:connections). */
  readonly stormRecoverySeconds: number;
  /** VictoriaMetrics memory per active series, bytes. */
  readonly memoryPerActiveSeriesBytes: number;
  /** VictoriaMetrics CPU per stored sample in the steady state, µs. */
  readonly vmCpuUsPerSample: number;
  /** Disk per stored sample after merges, bytes. */
  readonly diskBytesPerSample: number;
  /** Portal views/s one API process answers (bench:query). */
  readonly apiViewsPerSec: number;
  /** VictoriaMetrics CPU per portal view, ms (bench:query, with the read cache). */
  readonly vmCpuMsPerView: number;
}

export interface Assumptions {
  readonly socketsPerHousehold: number;
  readonly devicesPerHousehold: number;
  /** Series per socket: power and energy. */
  readonly seriesPerSocket: number;
  readonly nodeCores: number;
  readonly nodeMemoryGB: number;
  /** Share of a measured ceiling a node is planned to carry (room for a lost node and for storms). */
  readonly headroom: number;
  /** RabbitMQ's memory high watermark: the share of RAM it uses before blocking publishers. */
  readonly brokerMemoryShare: number;
  /** The share of a vmstorage node's RAM its series may take (caches need the rest). */
  readonly vmMemoryShare: number;
  /** vminsert's -replicationFactor: every sample stored on this many vmstorage nodes. */
  readonly replicationFactor: number;
  /** Portal views per second per household at the daily peak. */
  readonly peakViewsPerHousehold: number;
  /** A restarted broker node's devices must all log in again within this many seconds. */
  readonly stormWindowSeconds: number;
  readonly minBrokerNodes: number;
  readonly minNodes: number;
}

export interface PlanRow {
  readonly households: number;
  readonly msgsPerSec: number;
  readonly samplesPerSec: number;
  readonly activeSeries: number;
  readonly connections: number;
  /** Auth checks per second the API must answer while one broker node's devices log in again. */
  readonly stormLoginsPerSec: number;
  readonly brokerNodes: number;
  readonly collectors: number;
  readonly vminsertNodes: number;
  readonly vmselectNodes: number;
  readonly vmstorageNodes: number;
  readonly apiNodes: number;
  readonly diskTBPerYear: number;
  readonly firstLimit: string;
}

/** The largest need wins; ties go to the first listed. */
function size(needs: Record<string, number>, floor: number): { nodes: number; by: string; need: number } {
  let by = 'redundancy floor';
  let need = floor;
  for (const [k, v] of Object.entries(needs)) {
    if (Math.ceil(v) > need) {
      need = Math.ceil(v);
      by = k;
    }
  }
  return { nodes: Math.max(floor, need), by, need };
}

export function planFor(households: number, m: Measured, a: Assumptions): PlanRow {
  const devices = households * a.devicesPerHousehold;
  const msgsPerSec = devices / 60;
  const activeSeries = households * a.socketsPerHousehold * a.seriesPerSocket;
  const samplesPerSec = activeSeries / 60;
  const connections = devices;
  const gb = 2 ** 30;

  const broker = size(
    {
      'broker messages/s': msgsPerSec / (m.brokerMsgsPerSec * a.headroom),
      'broker memory (connections)':
        (connections * m.memoryPerConnectionKB * 1024) /
        (a.nodeMemoryGB * gb * a.brokerMemoryShare * a.headroom),
    },
    a.minBrokerNodes,
  );
  // A node restarts: its share of the devices logs in again within the storm window.
  const stormLoginsPerSec = ((connections / broker.nodes) * m.authChecksPerConnection) / a.stormWindowSeconds;
  const collectorCoreShare = (msgsPerSec * m.collectorCpuMsPer1000Msgs) / 1000 / 1000;
  const collectors = size({ 'collector CPU': collectorCoreShare / (1 * a.headroom) }, a.minNodes);
  const vmCores = (samplesPerSec * m.vmCpuUsPerSample) / 1e6;
  const vmstorage = size(
    {
      'vmstorage memory (active series)':
        (activeSeries * a.replicationFactor * m.memoryPerActiveSeriesBytes) /
        (a.nodeMemoryGB * gb * a.vmMemoryShare * a.headroom),
      'vmstorage CPU': (vmCores * a.replicationFactor) / (a.nodeCores * a.headroom),
    },
    a.minNodes,
  );
  // vminsert parses and shards what the store then writes: planned at the store's own per-sample cost.
  const vminsert = size({ 'vminsert CPU': vmCores / (a.nodeCores * a.headroom) }, a.minNodes);
  const viewsPerSec = households * a.peakViewsPerHousehold;
  const vmselect = size(
    { 'vmselect CPU': (viewsPerSec * m.vmCpuMsPerView) / 1000 / (a.nodeCores * a.headroom) },
    a.minNodes,
  );
  const api = size(
    {
      'API views/s': viewsPerSec / (m.apiViewsPerSec * a.headroom),
      // One Node process per core, each answering 1000 / authCpuMsPerCheck checks per second.
      'API auth checks in a storm':
        stormLoginsPerSec / (((a.nodeCores * 1000) / m.authCpuMsPerCheck) * a.headroom),
    },
    a.minNodes,
  );
  const diskTBPerYear = (samplesPerSec * 86_400 * 365 * m.diskBytesPerSample * a.replicationFactor) / 1e12;

  // The resource that needs the most nodes of one kind is the first to run out as the fleet grows.
  const tiers = [broker, collectors, vmstorage, vminsert, vmselect, api];
  const first = tiers.reduce((x, y) => (y.need > x.need ? y : x));
  return {
    households,
    msgsPerSec: Math.round(msgsPerSec),
    samplesPerSec: Math.round(samplesPerSec),
    activeSeries,
    connections,
    stormLoginsPerSec: Math.round(stormLoginsPerSec),
    brokerNodes: broker.nodes,
    collectors: collectors.nodes,
    vminsertNodes: vminsert.nodes,
    vmselectNodes: vmselect.nodes,
    vmstorageNodes: vmstorage.nodes,
    apiNodes: api.nodes,
    diskTBPerYear: Math.round(diskTBPerYear * 100) / 100,
    firstLimit: first.by,
  };
}

export const PLAN_HOUSEHOLDS = [100_000, 500_000, 2_000_000] as const;

/** A row as `--json` gives it: exactly the keys issue 14 lists. */
export type JsonRow = Omit<PlanRow, 'stormLoginsPerSec'>;

export interface CapacityReport {
  readonly households: JsonRow[];
  readonly memoryPerConnectionKB: number;
  readonly loginsPerSec: number;
  readonly stormRecoverySeconds: number;
  readonly memoryPerActiveSeriesBytes: number;
}

export function capacityReport(m: Measured, a: Assumptions): CapacityReport {
  return {
    households: PLAN_HOUSEHOLDS.map((h) => {
      const { stormLoginsPerSec: _, ...row } = planFor(h, m, a);
      return row;
    }),
    memoryPerConnectionKB: m.memoryPerConnectionKB,
    loginsPerSec: m.loginsPerSec,
    stormRecoverySeconds: m.stormRecoverySeconds,
    memoryPerActiveSeriesBytes: m.memoryPerActiveSeriesBytes,
  };
}
