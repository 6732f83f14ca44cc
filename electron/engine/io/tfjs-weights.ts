/**
 * The weights of a TensorFlow.js layers model: each group of `model.json`'s `weightsManifest`
 * lists weights that lie back to back in its shards (concatenated), and tfjs finds each by
 * name. tfjs names a weight by the name scope it was built in: the layer being called, plus
 * `forward_<rnn>`/`backward_<rnn>` inside Bidirectional; a recurrent layer's cell and a
 * TimeDistributed's inner layer build in their wrapper's scope, and a nested model's layers in
 * their own (`lstm/kernel`, `bidirectional/forward_gru/kernel`, `time_distributed/bias`).
 */
import { ValueError } from '../graph/errors.js';
import { Functional } from '../graph/functional.js';
import type { Layer, Weight } from '../graph/layer.js';
import { RNN } from '../layers/recurrent.js';
import { Bidirectional, TimeDistributed } from '../layers/wrappers.js';
import { setWeightValue, weightValue } from '../training/weights.js';
import { halfToFloat } from './hdf5.js';
import { legacyOrder } from './legacy-h5.js';

/** A `weightsManifest` entry. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

/** Weights whose tfjs name differs from Keras 3's. */
const TFJS_NAMES: Record<string, Record<string, string>> = {
  DepthwiseConv2D: { kernel: 'depthwise_kernel' },
};

function nameWeights(layer: Layer, scope: string, out: Map<Weight, string>): void {
  if (layer instanceof Functional) {
    for (const inner of layer.layers) nameWeights(inner, inner.name, out);
  } else if (layer instanceof Bidirectional) {
    for (const direction of [layer.forwardLayer, layer.backwardLayer]) nameWeights(direction, `${scope}/${direction.name}`, out);
  } else if (layer instanceof RNN) {
    nameWeights(layer.cell, scope, out);
  } else if (layer instanceof TimeDistributed) {
    nameWeights(layer.layer, scope, out);
  } else {
    for (const w of layer.ownVariables) out.set(w, `${scope}/${TFJS_NAMES[layer.className]?.[w.name] ?? w.name}`);
  }
}

/** Every weight of the model with the name tfjs gives it (and looks it up by). */
export function tfjsWeightNames(model: Functional): Map<Weight, string> {
  const names = new Map<Weight, string>();
  nameWeights(model, model.name, names);
  return names;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** The weight's size in the stream; only numeric weights have one (tfjs layers models hold no others). */
function byteLength(spec: WeightSpec, where: string): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES[stored];
  if (width === undefined || (!spec.quantization && stored !== 'float32' && stored !== 'int32')) {
    throw new ValueError(
      `${where}: weight "${spec.name}" is stored as ${spec.quantization ? `quantized ${stored}` : stored}; expected float32 or int32, optionally quantized to uint8, uint16 or float16.`,
    );
  }
  return width * spec.shape.reduce((a, d) => a * d, 1);
}

/** One weight's values from its bytes: plain, or dequantized (`q * scale + min`, or half floats). */
function decode(spec: WeightSpec, bytes: Uint8Array, where: string): Float32Array {
  // A copy: a weight may start at any byte after a quantized one, and typed arrays need alignment.
  const buffer = bytes.slice().buffer;
  const q = spec.quantization;
  if (!q) return spec.dtype === 'int32' ? Float32Array.from(new Int32Array(buffer)) : new Float32Array(buffer);
  if (q.dtype === 'float16') return halfToFloat(new Uint16Array(buffer));
  if (typeof q.min !== 'number' || typeof q.scale !== 'number') {
    throw new ValueError(`${where}: weight "${spec.name}" is quantized to ${q.dtype} but its quantization gives no numeric min and scale (${JSON.stringify(q)}).`);
  }
  const codes = q.dtype === 'uint8' ? new Uint8Array(buffer) : new Uint16Array(buffer);
  const values = Float32Array.from(codes, (c) => c * q.scale! + q.min!);
  return spec.dtype === 'int32' ? values.map(Math.round) : values;
}

/** Splits the weight stream into the manifest's weights, in manifest order. */
export function decodeWeights(data: Uint8Array, specs: WeightSpec[], where: string): Array<{ spec: WeightSpec; values: Float32Array }> {
  const out: Array<{ spec: WeightSpec; values: Float32Array }> = [];
  let offset = 0;
  for (const spec of specs) {
    const end = offset + byteLength(spec, where);
    if (end > data.length) {
      throw new ValueError(
        `${where}: the weight files hold ${data.length} bytes, but the manifest needs ${specs.reduce((n, s) => n + byteLength(s, where), 0)}: weight "${spec.name}" (shape ${JSON.stringify(spec.shape)}) would end at byte ${end}. A shard is truncated or from another model.`,
      );
    }
    out.push({ spec, values: decode(spec, data.subarray(offset, end), where) });
    offset = end;
  }
  return out;
}

/** tfjs' fallback for TF 2.2+ Keras names, which put the cell between layer and weight (`lstm/lstm_cell/kernel`). */
function withoutCell(name: string): string {
  const parts = name.split('/');
  return [...parts.slice(0, -2), parts[parts.length - 1]].join('/');
}

const list = (names: string[]) => names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');

/** Sets the model's weights from decoded manifest entries, matched by name as tfjs does. */
export function assignTfjsWeights(model: Functional, weights: Array<{ spec: WeightSpec; values: Float32Array }>, where: string): void {
  const byName = new Map([...tfjsWeightNames(model)].map(([w, name]) => [name, w]));
  const unset = new Map(byName);
  const unknown: string[] = [];
  for (const { spec, values } of weights) {
    const name = byName.has(spec.name) ? spec.name : withoutCell(spec.name);
    const w = byName.get(name);
    if (!w) {
      unknown.push(spec.name);
      continue;
    }
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ValueError(`${where}: weight "${spec.name}" has shape ${JSON.stringify(spec.shape)} in the manifest; layer "${w.layer.name}" expects ${JSON.stringify(w.shape)}.`);
    }
    setWeightValue(w, values);
    unset.delete(name);
  }
  if (unknown.length > 0 || unset.size > 0) {
    const parts = [
      ...(unset.size > 0 ? [`the model's weights ${list([...unset.keys()])} are missing from it`] : []),
      ...(unknown.length > 0 ? [`it holds ${list(unknown)}, which no layer of the model has`] : []),
    ];
    throw new ValueError(`${where}: the weights manifest does not match the model: ${parts.join('; ')}.`);
  }
}

/** The model's weights as tfjs writes them: trainable then the rest, as float32 bytes in that order. */
export function encodeWeights(model: Functional): { specs: WeightSpec[]; data: Uint8Array } {
  const names = tfjsWeightNames(model);
  const order = legacyOrder(model);
  const data = new Uint8Array(order.reduce((n, w) => n + 4 * w.size, 0));
  let offset = 0;
  const specs = order.map((w) => {
    const values = weightValue(w)!;
    data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    offset += values.byteLength;
    return { name: names.get(w)!, shape: [...w.shape], dtype: 'float32' };
  });
  return { specs, data };
}
