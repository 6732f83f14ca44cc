/**
 * Initial values of weights, drawn from each weight's Keras initializer with a seeded
 * generator (Keras' formulas: fans, VarianceScaling and its named forms, Orthogonal, …).
 */
import { ValueError } from '../graph/errors.js';
import type { InitializerConfig } from '../graph/initializers.js';
import { Random } from '../tensor/random.js';

/** Keras' compute_fans. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

// stddev of a unit normal truncated at ±2, which truncated draws are divided by (Keras does so).
const TRUNCATED_STDDEV = 0.8796256610342398;

function varianceScaling(out: Float32Array, shape: number[], rng: Random, scale: number, mode: string, distribution: string): void {
  const { fanIn, fanOut } = fans(shape);
  const n = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
  const s = scale / Math.max(1, n);
  if (distribution === 'uniform') {
    const limit = Math.sqrt(3 * s);
    for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
  } else if (distribution === 'truncated_normal') {
    const std = Math.sqrt(s) / TRUNCATED_STDDEV;
    for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal() * std;
  } else {
    const std = Math.sqrt(s);
    for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  }
}

/** Orthogonal rows or columns (Gram–Schmidt on a normal matrix), as Keras' Orthogonal. */
function orthogonal(out: Float32Array, shape: number[], rng: Random, gain: number): void {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = out.length / cols;
  const [r, c] = rows < cols ? [cols, rows] : [rows, cols];
  const q = new Float64Array(r * c);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  // Columns of q (r x c, r >= c) made orthonormal.
  for (let j = 0; j < c; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < r; i++) dot += q[i * c + j]! * q[i * c + k]!;
      for (let i = 0; i < r; i++) q[i * c + j]! -= dot * q[i * c + k]!;
    }
    let norm = 0;
    for (let i = 0; i < r; i++) norm += q[i * c + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < r; i++) q[i * c + j]! /= norm;
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows < cols ? q[j * c + i]! : q[i * c + j]!);
  }
}

export function initialValues(init: InitializerConfig, shape: number[], rng: Random): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const c = init.config as Record<string, number & string>;
  switch (init.class_name) {
    case 'Zeros':
      break;
    case 'Ones':
      out.fill(1);
      break;
    case 'Constant':
      out.fill(Number(c.value ?? 0));
      break;
    case 'RandomNormal':
      for (let i = 0; i < size; i++) out[i] = (c.mean ?? 0) + rng.normal() * (c.stddev ?? 0.05);
      break;
    case 'TruncatedNormal':
      for (let i = 0; i < size; i++) out[i] = (c.mean ?? 0) + rng.truncatedNormal() * (c.stddev ?? 0.05);
      break;
    case 'RandomUniform': {
      const lo = c.minval ?? -0.05, hi = c.maxval ?? 0.05;
      for (let i = 0; i < size; i++) out[i] = lo + rng.uniform() * (hi - lo);
      break;
    }
    case 'GlorotUniform':
      varianceScaling(out, shape, rng, 1, 'fan_avg', 'uniform');
      break;
    case 'GlorotNormal':
      varianceScaling(out, shape, rng, 1, 'fan_avg', 'truncated_normal');
      break;
    case 'HeUniform':
      varianceScaling(out, shape, rng, 2, 'fan_in', 'uniform');
      break;
    case 'HeNormal':
      varianceScaling(out, shape, rng, 2, 'fan_in', 'truncated_normal');
      break;
    case 'LecunUniform':
      varianceScaling(out, shape, rng, 1, 'fan_in', 'uniform');
      break;
    case 'LecunNormal':
      varianceScaling(out, shape, rng, 1, 'fan_in', 'truncated_normal');
      break;
    case 'VarianceScaling':
      varianceScaling(out, shape, rng, c.scale ?? 1, c.mode ?? 'fan_in', c.distribution ?? 'truncated_normal');
      break;
    case 'Orthogonal':
      orthogonal(out, shape, rng, c.gain ?? 1);
      break;
    case 'Identity': {
      if (shape.length !== 2) throw new ValueError(`The Identity initializer needs a 2-D weight; received shape ${JSON.stringify(shape)}.`);
      for (let i = 0; i < Math.min(shape[0]!, shape[1]!); i++) out[i * shape[1]! + i] = c.gain ?? 1;
      break;
    }
    default:
      throw new ValueError(`No values for initializer ${init.class_name}.`);
  }
  return out;
}
