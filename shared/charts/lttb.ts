/**
 * Largest-Triangle-Three-Buckets downsampling: keeps the shape of a long series in a few
 * points, so a chart of 100k batches draws as fast as one of 2k. The first and last points
 * are always kept, and so are the series' lowest and highest values (a loss curve's best
 * value must never be sampled away).
 */

export interface Points {
  x: Float64Array;
  y: Float64Array;
}

/**
 * At most `target` points of the first `length` points of (x, y), x ascending. A series that
 * already fits comes back as views of the same arrays, without copying.
 */
export function lttb(x: Float64Array, y: Float64Array, target: number, length = Math.min(x.length, y.length)): Points {
  if (target < 3 || length <= target) return { x: x.subarray(0, length), y: y.subarray(0, length) };
  const picked = new Int32Array(target);
  picked[0] = 0;
  picked[target - 1] = length - 1;
  // The points between the first and the last fall into target - 2 buckets of equal width.
  const bucket = (length - 2) / (target - 2);
  let previous = 0;
  for (let b = 0; b < target - 2; b++) {
    const start = Math.floor(b * bucket) + 1;
    const end = Math.min(Math.floor((b + 1) * bucket) + 1, length - 1);
    // The next bucket's mean is the third corner of the triangle.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((b + 2) * bucket) + 1, length);
    let meanX = 0;
    let meanY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      meanX += x[i]!;
      meanY += y[i]!;
    }
    const span = Math.max(nextEnd - nextStart, 1);
    meanX /= span;
    meanY /= span;
    const ax = x[previous]!;
    const ay = y[previous]!;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((ax - meanX) * (y[i]! - ay) - (ax - x[i]!) * (meanY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    picked[b + 1] = best;
    previous = best;
  }
  keepExtremes(picked, y, length, bucket);
  const outX = new Float64Array(target);
  const outY = new Float64Array(target);
  for (let i = 0; i < target; i++) {
    outX[i] = x[picked[i]!]!;
    outY[i] = y[picked[i]!]!;
  }
  return { x: outX, y: outY };
}

/**
 * Puts the lowest and highest finite y in place of the points their buckets picked. When both
 * fall in one bucket, the earlier takes that bucket's slot and the later the next one (or the
 * earlier the previous one, at the end), so the picked indices stay in order.
 */
function keepExtremes(picked: Int32Array, y: Float64Array, length: number, bucket: number): void {
  let low = -1;
  let high = -1;
  for (let i = 0; i < length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) continue;
    if (low < 0 || v < y[low]!) low = i;
    if (high < 0 || v > y[high]!) high = i;
  }
  const last = picked.length - 1;
  const slotOf = (index: number) => Math.min(Math.floor((index - 1) / bucket), last - 2) + 1;
  const inner = [low, high].filter((i) => i > 0 && i < length - 1).sort((a, b) => a - b);
  if (inner.length === 2 && inner[0] !== inner[1] && slotOf(inner[0]!) === slotOf(inner[1]!) && last >= 3) {
    const slot = slotOf(inner[0]!);
    const [first, second] = slot + 1 < last ? [slot, slot + 1] : [slot - 1, slot];
    picked[first] = inner[0]!;
    picked[second] = inner[1]!;
    return;
  }
  for (const index of inner) picked[slotOf(index)] = index;
}
