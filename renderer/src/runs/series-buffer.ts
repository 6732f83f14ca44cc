/**
 * A metric series that grows as a run streams points: x and y in Float64Arrays with spare
 * room, doubled when full, so appending a batch's point costs no allocation and a chart reads
 * the filled part without copying.
 */
export class GrowableSeries {
  x: Float64Array;
  y: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
  }

  static from(x: Float64Array, y: Float64Array): GrowableSeries {
    const series = new GrowableSeries(Math.max(256, x.length * 2));
    series.append(x, y);
    return series;
  }

  /** The x of the newest point, or -Infinity while empty. */
  get lastX(): number {
    return this.length === 0 ? -Infinity : this.x[this.length - 1]!;
  }

  /**
   * Appends the points past the newest one held: a point the series already has (it arrived
   * both in a metrics reply and as a live event) is not added twice.
   */
  append(xs: Float64Array, ys: Float64Array): number {
    let from = 0;
    const last = this.lastX;
    while (from < xs.length && xs[from]! <= last) from++;
    const count = Math.min(xs.length, ys.length) - from;
    if (count <= 0) return 0;
    this.reserve(this.length + count);
    this.x.set(xs.subarray(from, from + count), this.length);
    this.y.set(ys.subarray(from, from + count), this.length);
    this.length += count;
    return count;
  }

  private reserve(needed: number): void {
    if (needed <= this.x.length) return;
    let capacity = this.x.length * 2;
    while (capacity < needed) capacity *= 2;
    const x = new Float64Array(capacity);
    const y = new Float64Array(capacity);
    x.set(this.x.subarray(0, this.length));
    y.set(this.y.subarray(0, this.length));
    this.x = x;
    this.y = y;
  }
}

/** A run's metrics by scope and name (`loss`, `accuracy`, `val_loss`…). */
export interface RunSeries {
  batch: Map<string, GrowableSeries>;
  epoch: Map<string, GrowableSeries>;
}

export function emptyRunSeries(): RunSeries {
  return { batch: new Map(), epoch: new Map() };
}

/** Appends one scope's new points (a metrics event or a metrics reply); true when any was new. */
export function appendPoints(series: RunSeries, scope: 'batch' | 'epoch', x: Float64Array, values: Record<string, Float64Array>): boolean {
  let added = false;
  const target = series[scope];
  for (const [name, y] of Object.entries(values)) {
    let line = target.get(name);
    if (!line) {
      line = new GrowableSeries();
      target.set(name, line);
    }
    if (line.append(x, y) > 0) added = true;
  }
  return added;
}
