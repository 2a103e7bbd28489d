import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { uncompressSync } from 'snappy';
import { COMPLETENESS_SERIES, ENERGY_SERIES, POWER_SERIES, SERIES_LABELS as L } from '@energy/lib/series';
import { epochStartZeroMs } from './epoch-start.js';
import { WriteRequestBuilder, compressRequest } from './remote-write-encoder.js';

interface Series {
  labels: Record<string, string>;
  samples: { value: number; ts: number }[];
}

/** An independent decoder of WriteRequest, from the generic protobuf wire reader. */
function decodeWriteRequest(bytes: Uint8Array): Series[] {
  const out: Series[] = [];
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field] = r.tag();
    assert.equal(field, 1);
    const ts = new BinaryReader(r.bytes());
    const s: Series = { labels: {}, samples: [] };
    while (ts.pos < ts.len) {
      const [f] = ts.tag();
      const inner = new BinaryReader(ts.bytes());
      if (f === 1) {
        let name = '';
        let value = '';
        while (inner.pos < inner.len) {
          const [lf] = inner.tag();
          if (lf === 1) name = inner.string();
          else value = inner.string();
        }
        s.labels[name] = value;
      } else {
        let value = NaN;
        let t = 0;
        while (inner.pos < inner.len) {
          const [sf] = inner.tag();
          if (sf === 1) value = inner.double();
          else t = Number(inner.int64());
        }
        s.samples.push({ value, ts: t });
      }
    }
    out.push(s);
  }
  return out;
}

const batch = {
  bootId: 0xdeadbeef,
  seq: 7,
  endUnixS: 1_780_000_000,
  intervalS: 60,
  readings: [
    { socket: 0, powerWatts: 12.3, energyJoules: 4567 },
    { socket: 29, powerWatts: 0, energyJoules: 268_435_455 },
  ],
};

test('encodes two series per reading with the identity labels and the interval end as timestamp', () => {
  const b = new WriteRequestBuilder(16); // tiny: forces the buffer to grow
  const range = b.addBatch('hh1', 'pi-a', batch);
  assert.equal(range.samples, 4);
  assert.equal(b.samples, 4);
  const series = decodeWriteRequest(b.raw());
  assert.deepEqual(series, [
    {
      labels: { __name__: POWER_SERIES, [L.device]: 'pi-a', [L.household]: 'hh1', [L.socket]: '0' },
      samples: [{ value: 12.3, ts: 1_780_000_000_000 }],
    },
    {
      labels: { __name__: ENERGY_SERIES, [L.device]: 'pi-a', [L.household]: 'hh1', [L.socket]: '0' },
      samples: [{ value: 4567, ts: 1_780_000_000_000 }],
    },
    {
      labels: { __name__: POWER_SERIES, [L.device]: 'pi-a', [L.household]: 'hh1', [L.socket]: '29' },
      samples: [{ value: 0, ts: 1_780_000_000_000 }],
    },
    {
      labels: { __name__: ENERGY_SERIES, [L.device]: 'pi-a', [L.household]: 'hh1', [L.socket]: '29' },
      samples: [{ value: 268_435_455, ts: 1_780_000_000_000 }],
    },
  ]);
});

test("an epoch's first batch also carries each socket's zero energy sample, inside the message's range", () => {
  const b = new WriteRequestBuilder(16);
  const zeroMs = epochStartZeroMs({ ...batch, seq: 1 });
  assert.equal(zeroMs, (1_780_000_000 - 60) * 1000 + 1);
  const range = b.addBatch('hh1', 'pi-a', { ...batch, seq: 1 }, zeroMs);
  assert.equal(range.samples, 6);
  assert.equal(b.samples, 6);
  assert.equal(range.end, b.bytes);
  const zeros = decodeWriteRequest(b.raw()).slice(4);
  assert.deepEqual(
    zeros,
    ['0', '29'].map((socket) => ({
      labels: { __name__: ENERGY_SERIES, [L.device]: 'pi-a', [L.household]: 'hh1', [L.socket]: socket },
      samples: [{ value: 0, ts: 1_779_999_940_001 }],
    })),
  );
});

test('any concatenation of message ranges is a valid request (bisection)', async () => {
  const b = new WriteRequestBuilder();
  const r1 = b.addBatch('h', 'd1', batch);
  const r2 = b.addBatch('h', 'd2', { ...batch, readings: [{ socket: 3, powerWatts: 1, energyJoules: 2 }] });
  const r3 = b.addBatch('h', 'd3', batch);
  assert.equal(r1.end, r2.start);
  const only = decodeWriteRequest(b.slice([r1, r3]));
  assert.equal(only.length, 8);
  assert.deepEqual(new Set(only.map((s) => s.labels[L.device])), new Set(['d1', 'd3']));
  const compressed = await compressRequest(b.raw());
  assert.deepEqual(uncompressSync(compressed), b.raw());
});

test('a completeness watermark is one gauge sample per device, labelled like its readings', () => {
  const b = new WriteRequestBuilder(64);
  b.addWatermark({ household: 'h1', device: 'pi', completeUntilS: 1_780_000_059 }, 1_780_000_100_123);
  assert.equal(b.samples, 1);
  assert.deepEqual(decodeWriteRequest(b.raw()), [
    {
      labels: { __name__: COMPLETENESS_SERIES, [L.device]: 'pi', [L.household]: 'h1' },
      samples: [{ value: 1_780_000_059, ts: 1_780_000_100_123 }],
    },
  ]);
  b.release();
});
