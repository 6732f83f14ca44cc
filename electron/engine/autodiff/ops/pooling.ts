import { ValueError } from '../../graph/errors.js';
import type { Dim } from '../../graph/shape.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

export type DataFormat = 'channels_last' | 'channels_first';

/**
 * How a spatial kernel sees a `(batch, ...spatial, channels)` tensor (or channels first):
 * `[outer, D, H, W, inner]` with `inner` = channels for channels_last and 1 for
 * channels_first (the channels then join the batch in `outer`, which the kernel derives from
 * the batch). 1D and 2D data get leading spatial sizes of 1.
 */
export function spatialLayout(shape: Dim[], dataFormat: DataFormat): { inner: number; spatial: number[] } {
  const dims = shape.slice(1) as number[];
  const channelsFirst = dataFormat === 'channels_first';
  const spatial = channelsFirst ? dims.slice(1) : dims.slice(0, -1);
  return { inner: channelsFirst ? 1 : dims[dims.length - 1]!, spatial: [...new Array<number>(3 - spatial.length).fill(1), ...spatial] };
}

/** Pads a per-axis list for 1D/2D to three entries with `fill` in front. */
function three(values: number[], fill: number): number[] {
  return [...new Array<number>(3 - values.length).fill(fill), ...values];
}

export interface PoolOptions {
  mode: 'max' | 'average';
  poolSize: number[];
  strides: number[];
  padding: 'valid' | 'same';
  dataFormat: DataFormat;
}

/**
 * Max or average pooling (native pool_fwd / pool_bwd); `outShape` is the layer's output
 * shape (any shape with the pooled values in [outer, OD, OH, OW, inner] order, so global
 * pooling with or without keepdims too). Max pooling keeps each output's argmax in an int32
 * scratch buffer when the input needs a gradient.
 */
export function pool(L: Lowering, x: PlanTensor, o: PoolOptions, outShape: Dim[], name: string): PlanTensor {
  if (x.dtype !== 'float32') {
    throw new ValueError(`Layer "${name}" pools float32 values; its input is ${x.dtype}. Cast it to float32 first.`, name);
  }
  const { inner, spatial } = spatialLayout(x.shape, o.dataFormat);
  const k = three(o.poolSize, 1);
  const s = three(o.strides, 1);
  const out: number[] = [];
  const pad: number[] = [];
  spatial.forEach((n, i) => {
    // TensorFlow's SAME: ceil(n / s) outputs, the padding split with the smaller half first.
    const len = o.padding === 'same' ? Math.ceil(n / s[i]!) : Math.floor((n - k[i]!) / s[i]!) + 1;
    out.push(len);
    pad.push(o.padding === 'same' ? Math.floor(Math.max((len - 1) * s[i]! + k[i]! - n, 0) / 2) : 0);
  });
  const ints = [o.mode === 'max' ? 0 : 1, inner, ...spatial, ...out, ...k, ...s, ...pad];
  const y = L.tensor(`${name}/output`, outShape);
  const keepArgmax = o.mode === 'max' && L.tape !== null && L.tape.needsGrad(x);
  const argmax = keepArgmax ? L.tensor(`${name}/argmax`, outShape, 'int32') : null;
  L.forward('pool_fwd', [x.buf, y.buf, argmax?.buf ?? -1], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('pool_bwd', [dy, argmax?.buf ?? -1, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** Global max or average pooling: one window covering every spatial position. */
export function globalPool(L: Lowering, x: PlanTensor, mode: 'max' | 'average', dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  const { spatial } = spatialLayout(x.shape, dataFormat);
  return pool(L, x, { mode, poolSize: spatial, strides: [1, 1, 1], padding: 'valid', dataFormat }, outShape, name);
}

/**
 * The mean over the steps of a (batch, steps, channels) input (channels first: (batch,
 * channels, steps)) that the (batch, steps) mask keeps (native masked_average_fwd / _bwd):
 * Keras' GlobalAveragePooling1D on a masked sequence. A sample with no kept step gets NaN, as
 * in Keras (0 / 0).
 */
export function maskedStepAverage(L: Lowering, x: PlanTensor, mask: PlanTensor, dataFormat: DataFormat, outShape: Dim[], name: string): PlanTensor {
  const channelsFirst = dataFormat === 'channels_first';
  const [steps, channels] = (channelsFirst ? [x.shape[2], x.shape[1]] : [x.shape[1], x.shape[2]]) as [number, number];
  if (mask.shape.length !== 2 || mask.shape[1] !== steps) {
    throw new ValueError(
      `Layer "${name}" expects a mask of shape (batch, ${steps}) for its input of shape (${x.shape.map((d) => d ?? 'None').join(', ')}); received a mask of shape (${mask.shape.map((d) => d ?? 'None').join(', ')}).`,
      name,
    );
  }
  const ints = [steps, channels, channelsFirst ? 1 : 0];
  const y = L.tensor(`${name}/output`, outShape);
  L.forward('masked_average_fwd', [x.buf, mask.buf, y.buf], ints);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('masked_average_bwd', [mask.buf, dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}
