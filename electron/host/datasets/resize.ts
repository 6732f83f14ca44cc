/**
 * Bilinear resampling of channels-last images, sampling at pixel centres (the convention of
 * PIL and TensorFlow's `half_pixel_centers`), so that a resized image is not shifted by half
 * a pixel and a constant image stays constant.
 */

/** `source` (height × width × channels, row-major) resampled to `toHeight` × `toWidth`. */
export function resizeBilinear(
  source: ArrayLike<number>,
  from: { height: number; width: number },
  to: { height: number; width: number },
  channels: number,
): Float32Array {
  const { height: sh, width: sw } = from;
  const { height: dh, width: dw } = to;
  if (source.length !== sh * sw * channels) {
    throw new RangeError(`resizeBilinear: expected ${sh}×${sw}×${channels} = ${sh * sw * channels} values, received ${source.length}`);
  }
  const out = new Float32Array(dh * dw * channels);
  const ys = axisSamples(sh, dh);
  const xs = axisSamples(sw, dw);
  for (let y = 0; y < dh; y++) {
    const row0 = ys.low[y]! * sw;
    const row1 = ys.high[y]! * sw;
    const fy = ys.weight[y]!;
    for (let x = 0; x < dw; x++) {
      const x0 = xs.low[x]!;
      const x1 = xs.high[x]!;
      const fx = xs.weight[x]!;
      for (let c = 0; c < channels; c++) {
        const a = source[(row0 + x0) * channels + c]!;
        const b = source[(row0 + x1) * channels + c]!;
        const d = source[(row1 + x0) * channels + c]!;
        const e = source[(row1 + x1) * channels + c]!;
        const top = a + (b - a) * fx;
        const bottom = d + (e - d) * fx;
        out[(y * dw + x) * channels + c] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** For each output position along one axis: the two source positions around its centre and the weight of the second. */
function axisSamples(from: number, to: number): { low: Int32Array; high: Int32Array; weight: Float32Array } {
  const low = new Int32Array(to);
  const high = new Int32Array(to);
  const weight = new Float32Array(to);
  const step = from / to;
  for (let i = 0; i < to; i++) {
    const centre = Math.min(Math.max((i + 0.5) * step - 0.5, 0), from - 1);
    const l = Math.floor(centre);
    low[i] = l;
    high[i] = Math.min(l + 1, from - 1);
    weight[i] = centre - l;
  }
  return { low, high, weight };
}
