/**
 * Checks for the sequence family (recurrent layers, wrappers, embeddings) where tfjs' layers
 * cannot serve as reference: several inputs (initial states), several outputs (returnState,
 * Bidirectional without merge), or options tfjs lacks (GRU resetAfter). The reference is then a
 * function of tfjs ops over the inputs and Strata's own weights, and tfjs autodiff gives its
 * gradients; `refRnn` is a plain, step-by-step tfjs implementation of Keras 3's cells.
 *
 * As in layer-check.ts, Strata's gradients come from a 'gradients' plan with an MSE loss per
 * output whose target makes d(loss)/d(output) exactly a random cotangent g.
 */
import * as tf from '@tensorflow/tfjs';
import { Input, Model } from '../../electron/engine/frontends/dsl.js';
import type { SymbolicTensor } from '../../electron/engine/graph/index.js';
import { resetNames, uniqueWeights } from '../../electron/engine/graph/index.js';
import { Random } from '../../electron/engine/tensor/random.js';
import { Trainer } from '../../electron/engine/training/trainer.js';
import { weightValue } from '../../electron/engine/training/weights.js';

tf.setBackend('cpu');

export interface InputDef {
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Values (default normal(0, 1)); indices for int32 inputs. */
  values?: (rng: Random, size: number) => Float32Array | Int32Array;
}

export interface GraphCheck {
  inputs: InputDef[];
  /** The Strata graph on the given inputs; its outputs are compared in order. */
  build: (inputs: SymbolicTensor[]) => SymbolicTensor | SymbolicTensor[];
  /** The same computation in tfjs ops, given the inputs and Strata's weights (model order). */
  reference: (inputs: tf.Tensor[], weights: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  batch?: number;
  seed?: number;
  /** Called with the compiled model once its weights have values (before the reference runs). */
  onModel?: (model: ReturnType<typeof Model>) => void;
}

export interface Pair {
  name: string;
  strata: Float32Array;
  reference: Float32Array;
}

export interface GraphCheckResult {
  outputs: Pair[];
  /** Gradients of the float inputs (int32 inputs get none). */
  inputGradients: Pair[];
  weightGradients: Pair[];
}

export function checkGraph(c: GraphCheck): GraphCheckResult {
  resetNames();
  const batch = c.batch ?? 3;
  const rng = new Random(c.seed ?? 11);
  const data = c.inputs.map((d) => {
    const size = batch * d.shape.reduce((a, b) => a * b, 1);
    const values = d.values ? d.values(rng, size) : Float32Array.from({ length: size }, () => rng.normal());
    return { shape: [batch, ...d.shape], data: values };
  });
  const inputs = c.inputs.map((d) => Input({ shape: d.shape, dtype: d.dtype ?? 'float32' }));
  const built = c.build(inputs);
  const outputs = Array.isArray(built) ? built : [built];
  const model = Model({ inputs, outputs });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, c.seed ?? 11);
  const weights = uniqueWeights(model.weights).filter((w) => w.trainable);
  const x = data.length === 1 ? data[0]! : data;
  c.onModel?.(model);

  const ys = trainer.predict(x as never, { batchSize: batch });
  const gs = ys.map((y) => Float32Array.from({ length: y.data.length }, () => rng.normal()));
  const targets = ys.map((y, i) => ({ shape: y.shape, data: Float32Array.from(y.data, (v, k) => v - (gs[i]![k]! * y.data.length) / 2) }));
  const grads = trainer.gradients(x as never, (targets.length === 1 ? targets[0]! : targets) as never);

  const xT = data.map((d, i) => (c.inputs[i]!.dtype === 'int32' ? tf.tensor(d.data as Int32Array, d.shape, 'int32') : tf.tensor(d.data, d.shape)));
  const wT = weights.map((w) => tf.tensor(weightValue(w)!, w.shape));
  const floatInputs = c.inputs.map((d, i) => (d.dtype === 'int32' ? -1 : i)).filter((i) => i >= 0);
  const run = (args: tf.Tensor[]) => {
    const ins = xT.map((t, i) => (floatInputs.includes(i) ? args[floatInputs.indexOf(i)]! : t));
    const out = c.reference(ins, args.slice(floatInputs.length));
    return Array.isArray(out) ? out : [out];
  };
  const refOut = run([...floatInputs.map((i) => xT[i]!), ...wT]);
  const objective = (...args: tf.Tensor[]) => tf.addN(run(args).map((o, i) => tf.sum(tf.mul(o, tf.tensor(gs[i]!, o.shape))))) as tf.Scalar;
  const refGrads = tf.grads(objective)([...floatInputs.map((i) => xT[i]!), ...wT]);

  return {
    outputs: ys.map((y, i) => ({ name: `output ${i}`, strata: y.data as Float32Array, reference: refOut[i]!.dataSync() as Float32Array })),
    inputGradients: floatInputs.map((i, k) => ({
      name: `input ${i} gradient`,
      strata: grads.inputs[i]!,
      reference: refGrads[k]!.dataSync() as Float32Array,
    })),
    weightGradients: weights.map((w, k) => ({
      name: w.path,
      strata: grads.weights.get(w)!,
      reference: refGrads[floatInputs.length + k]!.dataSync() as Float32Array,
    })),
  };
}

// ---- a reference RNN in tfjs ops --------------------------------------------------------------

/** Keras 3 activations by name, in tfjs ops. */
export function refActivation(name: string): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'tanh': return (x) => tf.tanh(x);
    case 'sigmoid': return (x) => tf.sigmoid(x);
    case 'relu': return (x) => tf.relu(x);
    case 'linear': return (x) => x;
    case 'hard_sigmoid': return (x) => tf.div(tf.relu6(tf.add(x, 3)), 6);
    case 'softsign': return (x) => tf.div(x, tf.add(1, tf.abs(x)));
    case 'elu': return (x) => tf.elu(x);
    default: throw new Error(`no reference activation ${name}`);
  }
}

export interface RefRnnOptions {
  cell: 'simple_rnn' | 'lstm' | 'gru';
  units: number;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  resetAfter?: boolean;
  goBackwards?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  /** Initial states [h] or [h, c]. */
  initial?: tf.Tensor[];
  /** (batch, steps) of 0/1, Keras 3's masking: a masked step keeps the states, and outputs the previous output. */
  mask?: tf.Tensor;
  /** Masked steps output zeros instead. */
  zeroOutputForMask?: boolean;
}

/**
 * Keras 3's SimpleRNN / LSTM / GRU written step by step; `weights` is [kernel, recurrent_kernel,
 * bias?]. Returns [output] or, with returnState, [output, h(, c)]; the output sequence is in
 * processing order (reversed for goBackwards), as Keras returns it.
 */
export function refRnn(x: tf.Tensor, weights: tf.Tensor[], o: RefRnnOptions): tf.Tensor[] {
  const [batch, steps, features] = x.shape as [number, number, number];
  const u = o.units;
  const act = refActivation(o.activation ?? 'tanh');
  const rec = refActivation(o.recurrentActivation ?? 'sigmoid');
  const [kernel, recurrent, bias] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor | undefined];
  const useBias = o.useBias ?? true;
  let h: tf.Tensor2D = (o.initial?.[0] as tf.Tensor2D) ?? tf.zeros([batch, u]);
  let c: tf.Tensor2D = (o.initial?.[1] as tf.Tensor2D) ?? tf.zeros([batch, u]);
  const cols = (t: tf.Tensor2D, from: number, n: number) => tf.slice(t, [0, from], [-1, n]) as tf.Tensor2D;
  const outs: tf.Tensor2D[] = [];
  let output: tf.Tensor2D = tf.zeros([batch, u]);
  for (let s = 0; s < steps; s++) {
    const t = o.goBackwards ? steps - 1 - s : s;
    const [hPrev, cPrev] = [h, c];
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [batch, 1, features]), [batch, features]) as tf.Tensor2D;
    if (o.cell === 'simple_rnn') {
      let z = tf.add(tf.matMul(xt, kernel), tf.matMul(h, recurrent)) as tf.Tensor2D;
      if (useBias) z = tf.add(z, bias!);
      h = act(z) as tf.Tensor2D;
    } else if (o.cell === 'lstm') {
      let z = tf.add(tf.matMul(xt, kernel), tf.matMul(h, recurrent)) as tf.Tensor2D;
      if (useBias) z = tf.add(z, bias!);
      const i = rec(cols(z, 0, u)), f = rec(cols(z, u, u)), g = act(cols(z, 2 * u, u)), og = rec(cols(z, 3 * u, u));
      c = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
      h = tf.mul(og, act(c)) as tf.Tensor2D;
    } else {
      const resetAfter = o.resetAfter ?? true;
      let mx = tf.matMul(xt, kernel) as tf.Tensor2D;
      let biasIn: tf.Tensor | null = null, biasRec: tf.Tensor | null = null;
      if (useBias) {
        if (resetAfter) {
          biasIn = tf.reshape(tf.slice(bias!, [0, 0], [1, 3 * u]), [3 * u]);
          biasRec = tf.reshape(tf.slice(bias!, [1, 0], [1, 3 * u]), [3 * u]);
        } else biasIn = bias!;
      }
      if (biasIn) mx = tf.add(mx, biasIn);
      let hh: tf.Tensor;
      let zg: tf.Tensor;
      if (resetAfter) {
        let mi = tf.matMul(h, recurrent) as tf.Tensor2D;
        if (biasRec) mi = tf.add(mi, biasRec);
        zg = rec(tf.add(cols(mx, 0, u), cols(mi, 0, u)));
        const rg = rec(tf.add(cols(mx, u, u), cols(mi, u, u)));
        hh = act(tf.add(cols(mx, 2 * u, u), tf.mul(rg, cols(mi, 2 * u, u))));
      } else {
        const mi = tf.matMul(h, cols(recurrent, 0, 2 * u)) as tf.Tensor2D;
        zg = rec(tf.add(cols(mx, 0, u), cols(mi, 0, u)));
        const rg = rec(tf.add(cols(mx, u, u), cols(mi, u, u)));
        hh = act(tf.add(cols(mx, 2 * u, u), tf.matMul(tf.mul(rg, h) as tf.Tensor2D, cols(recurrent, 2 * u, u))));
      }
      h = tf.add(tf.mul(zg, h), tf.mul(tf.sub(1, zg), hh)) as tf.Tensor2D;
    }
    output = h;
    if (o.mask) {
      const m = tf.reshape(tf.slice(o.mask, [0, t], [batch, 1]), [batch, 1]);
      const blend = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b)) as tf.Tensor2D;
      output = o.zeroOutputForMask ? (tf.mul(m, h) as tf.Tensor2D) : blend(h, outs[outs.length - 1] ?? tf.zeros([batch, u]));
      h = blend(h, hPrev);
      c = blend(c, cPrev);
    }
    outs.push(output);
  }
  const result = o.returnSequences ? tf.stack(outs, 1) : output;
  if (!o.returnState) return [result];
  return o.cell === 'lstm' ? [result, h, c] : [result, h];
}
