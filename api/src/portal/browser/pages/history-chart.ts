import uPlot from 'uplot';
import type { EnergyBucket } from '../energy.js';

const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export interface Layer {
  readonly label: string;
  readonly value: (b: EnergyBucket) => number;
}

/**
 * Stacked bars, one layer per socket (and untracked on top), with the
 * previous period's totals as a line. uPlot has no stacking: each series is
 * the running sum, drawn tallest first so the lower layers show in front.
 */
export function stackedBars(
  el: HTMLElement,
  buckets: readonly EnergyBucket[],
  previous: readonly EnergyBucket[],
  layers: readonly Layer[],
  labels: readonly string[],
): uPlot {
  const xs = buckets.map((_b, i) => i);
  const running: number[][] = [];
  let acc = buckets.map(() => 0);
  for (const l of layers) {
    acc = acc.map((a, i) => a + l.value(buckets[i] as EnergyBucket));
    running.push(acc);
  }
  const prev = xs.map((i) => previous[i]?.kwh ?? null);
  const bars = uPlot.paths.bars?.({ size: [0.7, 60] });
  const order = layers.map((_l, i) => i).reverse();
  const series: uPlot.Series[] = [
    { label: 'Bucket', value: (_u: uPlot, v: number | null) => (v === null ? '–' : (labels[v] ?? '–')) },
    ...order.map((i) => ({
      label: layers[i]?.label ?? '',
      fill: COLOURS[i % COLOURS.length] ?? '#888',
      stroke: COLOURS[i % COLOURS.length] ?? '#888',
      width: 0,
      paths: bars,
      points: { show: false },
      value: (_u: uPlot, v: number | null, _s: number, idx: number | null) =>
        v === null || idx === null
          ? '–'
          : `${(layers[i]?.value(buckets[idx] as EnergyBucket) ?? 0).toFixed(2)} kWh`,
    })),
    { label: 'Previous period', stroke: '#222', width: 2, dash: [6, 4], points: { show: true, size: 5 } },
  ];
  const data: uPlot.AlignedData = [xs, ...order.map((i) => running[i] ?? []), prev];
  const width = Math.max(280, Math.min(1100, el.clientWidth || 600));
  return new uPlot(
    {
      width,
      height: width < 500 ? 220 : 300,
      series,
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, xs.length - 0.5)] } },
      axes: [
        {
          values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? (labels[s] ?? '') : '')),
          space: width < 500 ? 40 : 30,
        },
        { label: 'kWh', size: 50 },
      ],
      legend: { live: true },
    },
    data,
    el,
  );
}
