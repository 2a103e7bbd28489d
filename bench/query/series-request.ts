/**
 * A Prometheus remote-write WriteRequest with many samples per series. The
 * collector's encoder writes one sample per series (one device-minute per
 * message); loading 36 h of a fleet that way would repeat every label set
 * 2,000 times, so the bench writes whole series at once.
 *
 *   TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Sample     { double value = 1; int64 timestamp = 2; }
 */

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Labels sorted by name, `__name__` first, as remote write expects. */
function labelsField(labels: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const name of Object.keys(labels).sort()) {
    const n = Buffer.from(name);
    const v = Buffer.from(labels[name] ?? '');
    const inner = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
    const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
    let p = out.writeUInt8(0x0a, 0);
    p = writeVarint(out, p, inner);
    p = out.writeUInt8(0x0a, p);
    p = writeVarint(out, p, n.length);
    p += n.copy(out, p);
    p = out.writeUInt8(0x12, p);
    p = writeVarint(out, p, v.length);
    v.copy(out, p);
    parts.push(out);
  }
  return Buffer.concat(parts);
}

export class SeriesRequest {
  private readonly parts: Buffer[] = [];
  samples = 0;

  /** One series: `values[i]` at `timestampsMs[i]`. */
  add(
    labels: Readonly<Record<string, string>>,
    timestampsMs: ArrayLike<number>,
    values: ArrayLike<number>,
  ): void {
    const l = labelsField(labels);
    let samplesBytes = 0;
    for (let i = 0; i < values.length; i++) {
      const inner = 10 + varintSize(timestampsMs[i] ?? 0);
      samplesBytes += 1 + varintSize(inner) + inner;
    }
    const inner = l.length + samplesBytes;
    const buf = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
    let p = buf.writeUInt8(0x0a, 0); // WriteRequest.timeseries
    p = writeVarint(buf, p, inner);
    p += l.copy(buf, p);
    for (let i = 0; i < values.length; i++) {
      const ts = timestampsMs[i] ?? 0;
      buf[p++] = 0x12; // TimeSeries.samples
      p = writeVarint(buf, p, 10 + varintSize(ts));
      buf[p++] = 0x09; // Sample.value
      p = buf.writeDoubleLE(values[i] ?? 0, p);
      buf[p++] = 0x10; // Sample.timestamp
      p = writeVarint(buf, p, ts);
    }
    this.parts.push(buf);
    this.samples += values.length;
  }

  get bytes(): number {
    return this.parts.reduce((n, b) => n + b.length, 0);
  }

  raw(): Buffer {
    return Buffer.concat(this.parts);
  }
}
