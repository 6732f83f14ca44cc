import { ValueError } from '../../graph/errors.js';
import type { Dim } from '../../graph/shape.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import { arr, transpose as transposeArr } from './elementwise.js';
import { spatialLayout, type DataFormat } from './pooling.js';

function three(values: number[], fill: number): number[] {
  return [...new Array<number>(3 - values.length).fill(fill), ...values];
}

/** Nearest-neighbour upsampling by integer factors (native upsample_nearest_fwd / _bwd). */
export function upsampleNearest(L: Lowering, x: PlanTensor, factors: number[], dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  const { inner, spatial } = spatialLayout(x.shape, dataFormat);
  return nearest(L, x, [inner, ...spatial, ...three(factors, 1)], outShape, name);
}

/** RepeatVector: `(batch, n_features)` → `(batch, n, n_features)`, nearest upsampling of a length-1 sequence. */
export function repeatVector(L: Lowering, x: PlanTensor, n: number, outShape: Dim[], name: string): PlanTensor {
  return nearest(L, x, [x.shape[1] as number, 1, 1, 1, 1, 1, n], outShape, name);
}

function nearest(L: Lowering, x: PlanTensor, ints: number[], outShape: Dim[], name: string): PlanTensor {
  const y = L.tensor(`${name}/output`, outShape, x.dtype);
  L.forward('upsample_nearest_fwd', [x.buf, y.buf], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('upsample_nearest_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** Bilinear upsampling of 2D data with half-pixel centers, as Keras 3 resizes (native upsample_bilinear_fwd / _bwd). */
export function upsampleBilinear(L: Lowering, x: PlanTensor, dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  if (x.dtype !== 'float32') {
    throw new ValueError(`Layer "${name}" interpolates float32 values; its input is ${x.dtype}. Cast it to float32 first.`, name);
  }
  const { inner, spatial } = spatialLayout(x.shape, dataFormat);
  const out = spatialLayout(outShape, dataFormat).spatial;
  const ints = [inner, spatial[1]!, spatial[2]!, out[1]!, out[2]!];
  const y = L.tensor(`${name}/output`, outShape);
  L.forward('upsample_bilinear_fwd', [x.buf, y.buf], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('upsample_bilinear_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** The small box, the big box and the small one's offset, as zero_pad_* and crop_* take them. */
function boxInts(small: PlanTensor | Dim[], big: Dim[], before: number[], dataFormat: DataFormat): number[] {
  const s = spatialLayout(Array.isArray(small) ? small : small.shape, dataFormat);
  const b = spatialLayout(big, dataFormat);
  return [s.inner, ...b.spatial, ...s.spatial, ...three(before, 0)];
}

/** ZeroPadding1D/2D/3D (native zero_pad_fwd / _bwd); `padding` holds [before, after] per spatial axis. */
export function zeroPad(L: Lowering, x: PlanTensor, padding: number[][], dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  const ints = boxInts(x, outShape, padding.map((p) => p[0]!), dataFormat);
  const y = L.tensor(`${name}/output`, outShape, x.dtype);
  L.forward('zero_pad_fwd', [x.buf, y.buf], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('zero_pad_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** Cropping1D/2D/3D (native crop_fwd / _bwd); `cropping` holds [before, after] per spatial axis. */
export function crop(L: Lowering, x: PlanTensor, cropping: number[][], dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  const ints = boxInts(outShape, x.shape, cropping.map((c) => c[0]!), dataFormat);
  const y = L.tensor(`${name}/output`, outShape, x.dtype);
  L.forward('crop_fwd', [x.buf, y.buf], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('crop_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/**
 * Reorders the axes of each sample (native transpose): `perm[k]` is the sample axis of `x`
 * (0-based, batch not counted) that becomes axis k. Its backward is the transpose by the
 * inverse permutation. The identity permutation is a view.
 */
export function transpose(L: Lowering, x: PlanTensor, perm: number[], name: string): PlanTensor {
  const dims = x.shape.slice(1) as number[];
  const y = transposeArr(L, arr(L, x), [0, ...perm.map((p) => p + 1)], name);
  return { ...y.t, shape: [x.shape[0] ?? null, ...perm.map((p) => dims[p]!)] };
}
