/**
 * Small models that together make step plans emit every kernel the CPU backend registers,
 * with the variants that take different code paths inside a kernel: every activation code,
 * loss kind (from logits both ways, label smoothing), metric, optimizer kind and flag,
 * learning-rate schedule, convolution geometry (1-D/2-D/3-D, groups, strides, dilation,
 * same/valid, transposed, depthwise, channels_first), pooling mode, recurrent cell option,
 * Bidirectional merge mode, mask rule, merge kind, and gradients that accumulate (a layer
 * called twice, a value read by several layers).
 *
 * Each model comes compiled, with a generator of data of the right dtypes and shapes from a
 * fixed seed. The CUDA tests run each one on the CPU and on the GPU and compare every buffer;
 * the coverage test checks that the union of their programs names every CPU kernel.
 */
import { Input, Model, Sequential, layers, losses, optimizers, ops, type TracedTensor, type Weight } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, type Functional, type LayerArgs, type Shape, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import type { ArrayData } from '../../../electron/engine/training/data-adapter.js';

/** How one input or target array is filled. */
export type DataKind =
  | { kind: 'normal' }
  /** Probabilities (rows summing to 1 over the last axis): categorical / KL targets. */
  | { kind: 'probabilities' }
  /** 0 or 1 (binary targets). */
  | { kind: 'binary' }
  /** Integers (int32) in [0, classes): sparse targets, or ids. */
  | { kind: 'ids'; classes: number }
  /** Ids in [1, classes) with a zero-padded tail of random length per sample (mask_zero). */
  | { kind: 'padded ids'; classes: number }
  /** Normal values with every third timestep (staggered by sample) zeroed: the Masking layer's padding. */
  | { kind: 'padded rows' };

export interface ArraySpec {
  /** Per-sample shape. */
  shape: number[];
  fill: DataKind;
}

export interface OpModel {
  name: string;
  /** Builds the model afresh (names reset) and compiles it. */
  build: () => Functional;
  inputs: ArraySpec[];
  targets: ArraySpec[];
  /** Samples generated; with `batch` below, the train program runs a last, smaller batch too. */
  samples: number;
  batch: number;
  /** Also run at tf32 and bf16 in the GPU tests (models with matrix products). */
  lowPrecision?: boolean;
}

export const DATA_SEED = 20240607;

function fillArray(spec: ArraySpec, n: number, rng: Random): ArrayData {
  const shape = [n, ...spec.shape];
  const size = shape.reduce((a, b) => a * b, 1);
  const row = spec.shape[spec.shape.length - 1] ?? 1;
  const f = spec.fill;
  if (f.kind === 'ids' || f.kind === 'padded ids') {
    const data = new Int32Array(size);
    const steps = size / n;
    for (let s = 0; s < n; s++) {
      // Padded ids: at least one kept step, the tail (possibly empty) zeros.
      const kept = f.kind === 'padded ids' ? 1 + rng.int(steps) : steps;
      for (let t = 0; t < steps; t++) data[s * steps + t] = t >= kept ? 0 : f.kind === 'padded ids' ? 1 + rng.int(f.classes - 1) : rng.int(f.classes);
    }
    return { shape, data };
  }
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    if (f.kind === 'binary') data[i] = rng.uniform() < 0.5 ? 0 : 1;
    else if (f.kind === 'probabilities') data[i] = rng.uniform(0.05, 1);
    else data[i] = rng.normal();
  }
  if (f.kind === 'probabilities') {
    for (let r = 0; r < size; r += row) {
      let sum = 0;
      for (let j = 0; j < row; j++) sum += data[r + j]!;
      for (let j = 0; j < row; j++) data[r + j]! /= sum;
    }
  }
  if (f.kind === 'padded rows') {
    // Zero every third timestep of a sample (a whole row), so Masking drops it.
    const steps = spec.shape[0]!;
    for (let s = 0; s < n; s++) for (let t = 0; t < steps; t++) if ((s + t) % 3 === 2) data.fill(0, (s * steps + t) * row, (s * steps + t + 1) * row);
  }
  return { shape, data };
}

/**
 * The model's inputs and targets, `samples` of each, from `seed`, and sample weights in
 * [0.5, 1.5) (so that the losses and their gradients weigh samples differently).
 */
export function modelData(m: OpModel, seed = DATA_SEED, samples = m.samples): { x: ArrayData[]; y: ArrayData[]; sampleWeights: Float32Array } {
  const rng = new Random(seed);
  const x = m.inputs.map((s) => fillArray(s, samples, rng));
  const y = m.targets.map((s) => fillArray(s, samples, rng));
  return { x, y, sampleWeights: Float32Array.from({ length: samples }, () => rng.uniform(0.5, 1.5)) };
}

const normal = (shape: number[]): ArraySpec => ({ shape, fill: { kind: 'normal' } });
const probabilities = (shape: number[]): ArraySpec => ({ shape, fill: { kind: 'probabilities' } });
const binary = (shape: number[]): ArraySpec => ({ shape, fill: { kind: 'binary' } });
const labels = (shape: number[], classes: number): ArraySpec => ({ shape, fill: { kind: 'ids', classes } });
const paddedIds = (shape: number[], classes: number): ArraySpec => ({ shape, fill: { kind: 'padded ids', classes } });

const T = (x: unknown) => x as SymbolicTensor;

/** A model built with fresh layer names (so buffer names do not depend on what ran before). */
function fresh(build: () => Functional): () => Functional {
  return () => {
    resetNames();
    return build();
  };
}

// ---- custom layers: every op of the op table that lowers to its own kernel -----------------------

interface UnitsArgs extends LayerArgs {
  units?: number;
}

/** ops.matmul (a weight, a batched product with a transpose), element-wise ops, reductions, softmax. */
class Mixer extends layers.Layer {
  units: number;
  w!: Weight;
  b!: Weight;
  gain!: Weight;
  constructor({ units = 4, ...rest }: UnitsArgs = {}) {
    super(rest);
    this.units = units;
  }
  override build(inputShape: Shape) {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1]!, this.units], initializer: 'glorot_uniform' });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'random_normal' });
    this.gain = this.addWeight({ name: 'gain', shape: [1, this.units], initializer: 'ones' });
  }
  override call(x: TracedTensor) {
    // x: [B, T, D]
    const h = ops.add(ops.matmul(x, this.w), this.b); // [B, T, U]
    const scores = ops.divide(ops.matmul(h, ops.transpose(h, [0, 2, 1])), 2); // [B, T, T]
    const attn = ops.matmul(ops.softmax(scores, -1), h); // [B, T, U]
    const a = ops.multiply(ops.tanh(attn), this.gain);
    const b = ops.maximum(ops.relu(h), ops.multiply(ops.exp(ops.negative(ops.abs(h))), 0.5));
    const c = ops.minimum(ops.pow(ops.add(ops.square(h), 1), 0.5), 2);
    const d = ops.log(ops.add(ops.sigmoid(h), 1));
    const e = ops.sqrt(ops.add(ops.square(a), 0.25));
    const f = ops.subtract(ops.logSoftmax(h, 1), ops.mean(h, 1, true)); // softmax over time (not the last axis)
    const g = ops.divide(ops.max(h, -1, true), ops.add(ops.abs(ops.min(h, [1, 2], true)), 1));
    const s = ops.subtract(1, ops.multiply(ops.sum(h, -1, true), 0.1)); // constants on either side
    return ops.add(ops.add(ops.add(a, b), ops.multiply(c, d)), ops.add(ops.add(e, f), ops.add(g, s)));
  }
}

/** Slices (ops.take, ops.slice), stacks and joins, constants (zeros, ones, full), casts both ways. */
class Shuffle extends layers.Layer {
  override call(x: TracedTensor) {
    // x: [B, T, D]
    const t = x.shape[1]!;
    const first = ops.take(x, 0, 1); // [B, D]
    const last = ops.take(x, t - 1, 1);
    const middle = ops.slice(x, [0, 1, 0], [-1, t - 2, -1]); // [B, T-2, D]
    const ends = ops.stack([last, first], 1); // [B, 2, D]
    const joined = ops.concatenate([ends, middle], 1); // [B, T, D]
    const ones = ops.ones([1, 1, x.shape[2]!]);
    const half = ops.full([1, t, 1], 0.5);
    const zero = ops.zeros([1, 1, 1]);
    // A float -> int -> float round trip (truncation toward zero) carries no gradient; added to a
    // path that does.
    const rounded = ops.cast(ops.cast(ops.multiply(x, 4), 'int32'), 'float32');
    return ops.add(ops.add(ops.multiply(joined, ones), ops.multiply(half, rounded)), zero);
  }
}

// ---- the models --------------------------------------------------------------------------------

const ACTIVATIONS = [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'silu', 'gelu', 'exponential', 'hard_sigmoid', 'relu6',
  'leaky_relu', 'log_softmax', 'mish',
] as const;

/** The seed MNIST MLP (examples/seeds/mnist_model.ts), layer for layer and compiled the same. */
export function mnistModel(): Functional {
  resetNames();
  const inputs = Input({ shape: [784] });
  let x = T(layers.Dense(64, { activation: 'relu' })(inputs));
  x = T(layers.Dense(64, { activation: 'relu' })(x));
  const outputs = T(layers.Dense(10)(x));
  const model = Model({ inputs, outputs, name: 'mnist_model' });
  model.compile({ loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.RMSprop(), metrics: ['accuracy'] });
  return model;
}

/** The MLP as an op model (plain Adam), on random data shaped like MNIST's. */
export const MLP_MODEL: OpModel = {
  name: 'mnist mlp',
  build: () => {
    const model = mnistModel();
    model.compile({ loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.Adam({ learningRate: 1e-3 }), metrics: ['accuracy'] });
    return model;
  },
  inputs: [normal([784])],
  targets: [labels([], 10)],
  samples: 96,
  batch: 32,
  lowPrecision: true,
};

export const OP_MODELS: OpModel[] = [
  {
    // Dense with every fused activation; Activation layers with every code (act_fwd/act_bwd);
    // a Dense applied twice (its weight gradients accumulate); sparse CE from logits.
    name: 'activations',
    build: fresh(() => {
      const x = Input({ shape: [6] });
      const shared = layers.Dense(5, { activation: 'tanh' });
      const h = T(shared(x));
      const h2 = T(shared(T(layers.Dense(6)(h))));
      const fused = ACTIVATIONS.map((a) => T(layers.Dense(3, { activation: a })(h)));
      const pre = T(layers.Dense(3)(h2)); // read by every Activation: its gradient accumulates
      const separate = ACTIVATIONS.map((a) => T(layers.Activation(a)(pre)));
      const all = T(layers.Concatenate()([...fused, ...separate]));
      const out = T(layers.Dense(4)(all));
      const model = Model({ inputs: x, outputs: out });
      model.compile({ optimizer: optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }), loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy', 'sparse_top_k_categorical_accuracy'] });
      return model;
    }),
    inputs: [normal([6])],
    targets: [labels([], 4)],
    samples: 20,
    batch: 8,
    lowPrecision: true,
  },
  {
    // Keras' layer forms of activations (unary relu_ext, leaky_relu, elu; binary prelu;
    // Softmax over several axes: reduce + element-wise), Dropout, BatchNorm, LayerNorm;
    // softmax outputs with CE (not from logits) and label smoothing; RMSprop centered + momentum.
    name: 'normalization',
    build: fresh(() => {
      const x = Input({ shape: [4, 6] });
      let h = T(layers.Dense(8)(x));
      h = T(layers.BatchNormalization()(h));
      h = T(layers.ReLU({ maxValue: 2, negativeSlope: 0.1, threshold: 0.05 })(h));
      const a = T(layers.LeakyReLU({ negativeSlope: 0.2 })(h));
      const b = T(layers.ELU({ alpha: 0.7 })(h));
      const c = T(layers.PReLU({ alphaInitializer: 'random_normal' })(h));
      const d = T(layers.ReLU()(h));
      const s = T(layers.Softmax({ axis: [1, 2] })(h));
      let m = T(layers.Add()([a, b, c, d, s]));
      m = T(layers.LayerNormalization()(m));
      m = T(layers.LayerNormalization({ axis: [1, 2], center: false })(m));
      m = T(layers.Dropout(0.3)(m));
      m = T(layers.BatchNormalization({ scale: false, momentum: 0.8 })(m));
      const out = T(layers.Dense(3, { activation: 'softmax' })(T(layers.Flatten()(m))));
      const model = Model({ inputs: x, outputs: out });
      model.compile({
        optimizer: optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
        loss: losses.CategoricalCrossentropy({ labelSmoothing: 0.1 }),
        metrics: ['accuracy', 'top_k_categorical_accuracy', 'categorical_accuracy'],
      });
      return model;
    }),
    inputs: [normal([4, 6])],
    targets: [probabilities([3])],
    samples: 20,
    batch: 8,
  },
  {
    // 2-D convolutions: same/valid, strides, dilation, groups, a fused activation that needs its
    // input (swish), no bias; transposed (strides 2, output padding); depthwise (multiplier 2,
    // strides); separable; max/avg pools (same and valid), global pools; zero padding, cropping,
    // nearest and bilinear upsampling; channels_first.
    name: 'conv2d',
    build: fresh(() => {
      const x = Input({ shape: [8, 8, 3] });
      let h = T(layers.Conv2D(4, 3, { padding: 'same', activation: 'swish' })(x));
      const g = T(layers.Conv2D(4, 3, { padding: 'same', groups: 2, useBias: false })(h));
      const dil = T(layers.Conv2D(4, 3, { padding: 'same', dilationRate: 2, activation: 'relu' })(h));
      h = T(layers.Add()([g, dil]));
      const pooled = T(layers.MaxPooling2D(2)(h)); // 4x4
      const avg = T(layers.AveragePooling2D(3, { strides: 2, padding: 'same' })(h)); // 4x4
      let p = T(layers.Concatenate()([pooled, avg])); // 4x4x8
      p = T(layers.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same', activation: 'gelu' })(p)); // 4x4x16
      p = T(layers.SeparableConv2D(6, 3, { padding: 'valid' })(p)); // 2x2x6
      let u = T(layers.Conv2DTranspose(4, 3, { strides: 2, padding: 'same', activation: 'tanh' })(p)); // 4x4x4
      u = T(layers.UpSampling2D(2)(u)); // 8x8
      u = T(layers.ZeroPadding2D([[1, 0], [0, 2]])(u)); // 9x10
      u = T(layers.Cropping2D([[0, 1], [2, 0]])(u)); // 8x8
      const bil = T(layers.UpSampling2D(2, { interpolation: 'bilinear' })(T(layers.Conv2D(2, 1)(pooled)))); // 8x8x2
      let v = T(layers.Concatenate()([u, bil, h])); // 8x8x10
      v = T(layers.Conv2D(4, 2, { strides: 2, padding: 'valid' })(v)); // 4x4x4
      v = T(layers.DepthwiseConv2D(2, { strides: 2 })(v)); // 2x2x4
      v = T(layers.Conv2DTranspose(3, 2, { strides: 1, padding: 'valid', outputPadding: 0 })(v)); // 3x3x3
      const cf = T(layers.Conv2D(2, 2, { dataFormat: 'channels_first', padding: 'same' })(T(layers.Permute([3, 1, 2])(v)))); // 2x3x3
      const gmax = T(layers.GlobalMaxPooling2D()(v));
      const gavg = T(layers.GlobalAveragePooling2D({ dataFormat: 'channels_first' })(cf));
      const flat = T(layers.Flatten()(T(layers.MaxPooling2D(2, { padding: 'same', dataFormat: 'channels_first' })(cf))));
      const out = T(layers.Dense(5)(T(layers.Concatenate()([gmax, gavg, flat]))));
      const model = Model({ inputs: x, outputs: out });
      model.compile({ optimizer: optimizers.Adam({ learningRate: 0.01, amsgrad: true, clipnorm: 1.0 }), loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
      return model;
    }),
    inputs: [normal([8, 8, 3])],
    targets: [labels([], 5)],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // 1-D and 3-D convolutions and pools, upsampling, padding and cropping; causal padding;
    // Conv1DTranspose; DepthwiseConv1D; SeparableConv1D; Huber loss; Adagrad with global clipnorm.
    name: 'conv1d3d',
    build: fresh(() => {
      const x = Input({ shape: [12, 3] });
      let h = T(layers.Conv1D(4, 3, { padding: 'causal', dilationRate: 2, activation: 'elu' })(x)); // 12x4
      h = T(layers.Conv1D(6, 3, { strides: 2, groups: 2 })(h)); // 5x6
      h = T(layers.ZeroPadding1D(1)(h)); // 7x6
      h = T(layers.Cropping1D([0, 1])(h)); // 6x6
      h = T(layers.UpSampling1D(2)(h)); // 12x6
      h = T(layers.DepthwiseConv1D(3, { padding: 'same', depthMultiplier: 1, activation: 'softplus' })(h)); // 12x6
      h = T(layers.SeparableConv1D(4, 3, { strides: 2, padding: 'same' })(h)); // 6x4
      h = T(layers.Conv1DTranspose(4, 3, { strides: 2, padding: 'valid', activation: 'mish' })(h)); // 13x4
      const mp = T(layers.MaxPooling1D(3, { strides: 2 })(h)); // 6x4
      const ap = T(layers.AveragePooling1D(2, { padding: 'same' })(h)); // 7x4
      const g1 = T(layers.GlobalMaxPooling1D()(mp));
      const g2 = T(layers.GlobalAveragePooling1D()(ap));
      const v = T(layers.Reshape([2, 2, 3, 2])(T(layers.Dense(24)(T(layers.Concatenate()([g1, g2]))))));
      let w = T(layers.Conv3D(3, 2, { padding: 'same', activation: 'sigmoid' })(v)); // 2x2x3x3
      w = T(layers.UpSampling3D([1, 2, 1])(w)); // 2x4x3x3
      w = T(layers.ZeroPadding3D(1)(w)); // 4x6x5x3
      w = T(layers.Cropping3D([[1, 1], [1, 1], [0, 1]])(w)); // 2x4x4x3
      w = T(layers.Conv3DTranspose(2, 2, { strides: [1, 2, 1], padding: 'same' })(w)); // 2x8x4x2
      const w1 = T(layers.MaxPooling3D([2, 2, 2])(w)); // 1x4x2x2
      const w2 = T(layers.GlobalAveragePooling3D()(T(layers.AveragePooling3D(2, { padding: 'same' })(w))));
      const out = T(layers.Dense(3)(T(layers.Concatenate()([T(layers.Flatten()(w1)), w2]))));
      const model = Model({ inputs: x, outputs: out });
      model.compile({ optimizer: optimizers.Adagrad({ learningRate: 0.05, globalClipnorm: 0.5 }), loss: losses.Huber({ delta: 0.5 }), metrics: ['mae', 'mse'] });
      return model;
    }),
    inputs: [normal([12, 3])],
    targets: [normal([3])],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // Embedding with mask_zero feeding LSTM (return sequences, masked), GRU (reset_after and
    // not, go_backwards), SimpleRNN, Bidirectional with every merge mode; masked average
    // pooling; a merge of masked sequences (mask_combine all) and a concatenation with an
    // unmasked one (any + keep-all); an LSTM with input dropout; binary CE from logits with
    // precision / recall / AUC; Nadam.
    name: 'recurrent',
    build: fresh(() => {
      const x = Input({ shape: [7], dtype: 'int32' });
      const e = T(layers.Embedding(11, 6, { maskZero: true })(x));
      const lstm = T(layers.LSTM(5, { returnSequences: true, dropout: 0.2 })(e)); // 7x5
      const gruA = T(layers.GRU(5, { returnSequences: true, resetAfter: true, goBackwards: true })(e));
      const gruB = T(layers.GRU(5, { returnSequences: true, resetAfter: false })(e));
      const rnn = T(layers.SimpleRNN(5, { returnSequences: true, activation: 'relu' })(e));
      const merged = T(layers.Add()([lstm, gruA, gruB, rnn])); // mask: all of four
      const plain = T(layers.Dense(5)(T(layers.Dense(5)(e)))); // Dense passes the mask on
      const unmasked = T(layers.Dense(5)(T(layers.Embedding(11, 5)(x)))); // no mask
      const joined = T(layers.Concatenate()([merged, unmasked, plain])); // any(all, keep-all, mask)
      const biConcat = T(layers.Bidirectional(layers.LSTM(3, { returnSequences: true }), { mergeMode: 'concat' })(joined));
      const biSum = T(layers.Bidirectional(layers.GRU(3), { mergeMode: 'sum' })(joined));
      const biMul = T(layers.Bidirectional(layers.SimpleRNN(3), { mergeMode: 'mul' })(joined));
      const biAve = T(layers.Bidirectional(layers.GRU(3, { resetAfter: false, returnSequences: true }), { mergeMode: 'ave' })(joined));
      const pooled = T(layers.GlobalAveragePooling1D()(biConcat)); // masked_average
      const pooled2 = T(layers.GlobalAveragePooling1D()(biAve));
      const last = T(layers.LSTM(4, { goBackwards: true })(biAve)); // masked, last output only
      const all = T(layers.Concatenate()([pooled, pooled2, biSum, biMul, last]));
      const out = T(layers.Dense(1)(all));
      const model = Model({ inputs: x, outputs: out });
      model.compile({ optimizer: optimizers.Nadam({ learningRate: 0.01 }), loss: losses.BinaryCrossentropy({ fromLogits: true }), metrics: ['accuracy', 'precision', 'recall', 'auc'] });
      return model;
    }),
    inputs: [paddedIds([7], 11)],
    targets: [binary([1])],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // Recurrent layers without a mask, with initial states (whose gradients flow back into
    // another layer's states and accumulate there) and returned states; SGD with momentum.
    name: 'sequences',
    build: fresh(() => {
      const x = Input({ shape: [6, 3] });
      const [seq, h, c] = layers.LSTM(4, { returnSequences: true, returnState: true })(x) as SymbolicTensor[];
      const g = T(layers.GRU(4, { goBackwards: true })(seq!, { initialState: [h!] }));
      const s = T(layers.SimpleRNN(4, { returnSequences: true, goBackwards: true })(seq!, { initialState: [c!] }));
      const l = T(layers.LSTM(4, { recurrentActivation: 'hard_sigmoid', activation: 'relu' })(s, { initialState: [h!, c!] }));
      const gb = T(layers.GRU(4, { resetAfter: false, returnSequences: true })(s));
      const out = T(layers.Dense(2)(T(layers.Concatenate()([g, l, T(layers.GlobalAveragePooling1D()(gb))]))));
      const model = Model({ inputs: x, outputs: out });
      model.compile({ optimizer: optimizers.SGD({ learningRate: 0.05, momentum: 0.5 }), loss: 'mse', metrics: ['mae'] });
      return model;
    }),
    inputs: [normal([6, 3])],
    targets: [normal([2])],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // The Masking layer (mask_not_equal over rows, mask_rows), TimeDistributed, RepeatVector,
    // Permute, a Bidirectional SimpleRNN reading the Masking mask (zero output for masked steps);
    // sigmoid outputs with binary CE (not from logits) and label smoothing; AdamW with clipvalue.
    name: 'masking',
    build: fresh(() => {
      const x = Input({ shape: [6, 4] });
      // No bias: padded (zero) rows stay zero, so Masking still finds them, and its input needs
      // a gradient (mask_rows_bwd).
      const m = T(layers.Masking({ maskValue: 0 })(T(layers.Dense(4, { useBias: false })(x))));
      const td = T(layers.TimeDistributed(layers.Dense(4, { activation: 'selu' }))(m));
      const bi = T(layers.Bidirectional(layers.SimpleRNN(3, { returnSequences: true, goBackwards: false }))(td)); // 6x6
      const pooled = T(layers.GlobalMaxPooling1D()(bi));
      const rep = T(layers.RepeatVector(3)(pooled)); // 3x6
      const perm = T(layers.Permute([2, 1])(rep)); // 6x3
      const out = T(layers.Dense(2, { activation: 'sigmoid' })(T(layers.Flatten()(perm))));
      const model = Model({ inputs: x, outputs: out });
      model.compile({
        optimizer: optimizers.AdamW({ learningRate: 0.01, weightDecay: 0.01, clipvalue: 0.05 }),
        loss: losses.BinaryCrossentropy({ labelSmoothing: 0.1 }),
        metrics: ['binary_accuracy', 'auc'],
      });
      return model;
    }),
    inputs: [{ shape: [6, 4], fill: { kind: 'padded rows' } }],
    targets: [binary([2])],
    samples: 12,
    batch: 8,
  },
  {
    // Merge layers of every kind (with broadcasting where Keras allows), Dot with and without
    // normalize (l2_normalize + matmul), a branch read by several layers (accumulating input
    // gradients); two outputs with their own losses and loss weights: KL divergence and cosine
    // similarity; Adamax with an exponential-decay schedule (staircase).
    name: 'merges',
    build: fresh(() => {
      const a = Input({ shape: [5], name: 'a' });
      const b = Input({ shape: [3, 5], name: 'b' });
      const ha = T(layers.Dense(5, { activation: 'tanh' })(a));
      const hb = T(layers.Dense(5)(b));
      const row = T(layers.Reshape([1, 5])(ha));
      const sum = T(layers.Add()([hb, row]));
      const diff = T(layers.Subtract()([hb, row]));
      const prod = T(layers.Multiply()([hb, row, sum]));
      const avg = T(layers.Average()([sum, diff]));
      const max = T(layers.Maximum()([prod, avg, hb]));
      const min = T(layers.Minimum()([prod, diff]));
      const dot = T(layers.Dot({ axes: [2, 2] })([max, min])); // 3x3
      const cos = T(layers.Dot({ axes: 1, normalize: true })([ha, T(layers.Dense(5)(ha))])); // 1
      const dotT = T(layers.Dot({ axes: [1, 1] })([hb, max])); // 5x5: contracted over the first axis
      const flat = T(layers.Concatenate()([T(layers.Flatten()(dot)), cos, T(layers.Flatten()(dotT))]));
      const dist = T(layers.Dense(4, { activation: 'softmax', name: 'dist' })(flat));
      const dir = T(layers.Dense(3, { name: 'dir' })(flat));
      const model = Model({ inputs: [a, b], outputs: [dist, dir] });
      model.compile({
        optimizer: optimizers.Adamax({ learningRate: optimizers.schedules.ExponentialDecay(0.02, 2, 0.5, { staircase: true }) }),
        loss: [losses.KLDivergence(), losses.CosineSimilarity()],
        lossWeights: [1, 0.5],
        metrics: [['categorical_accuracy'], ['mse']],
      });
      return model;
    }),
    inputs: [normal([5]), normal([3, 5])],
    targets: [probabilities([4]), normal([3])],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // Custom layers written with ops: matmul, transpose, every element-wise and reduction op,
    // softmax / log-softmax, slices, stacks, joins, constants and casts; MSE on a sequence
    // output; Adadelta with a cosine-decay schedule with warm-up.
    name: 'custom ops',
    build: fresh(() => {
      const x = Input({ shape: [5, 4] });
      const h = T(new Mixer({ units: 4 })(x));
      const s = T(new Shuffle()(h));
      const out = T(layers.Dense(2)(s));
      const model = Model({ inputs: x, outputs: out });
      model.compile({
        optimizer: optimizers.Adadelta({ learningRate: optimizers.schedules.CosineDecay(0.5, 4, { alpha: 0.1, warmupTarget: 1.0, warmupSteps: 2 }) }),
        loss: losses.MeanSquaredError(),
        metrics: ['mae'],
      });
      return model;
    }),
    inputs: [normal([5, 4])],
    targets: [normal([5, 2])],
    samples: 12,
    batch: 8,
    lowPrecision: true,
  },
  {
    // Plain SGD with a piecewise-constant schedule, MAE, a Sequential model; Adam without
    // amsgrad comes with the MNIST MLP below.
    name: 'sgd mae',
    build: fresh(() => {
      const model = Sequential([Input({ shape: [4] }), layers.Dense(6, { activation: 'hard_sigmoid' }), layers.Activation('softsign'), layers.Dense(2)]) as unknown as Functional;
      model.compile({ optimizer: optimizers.SGD({ learningRate: optimizers.schedules.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]) }), loss: losses.MeanAbsoluteError(), metrics: ['mse'] });
      return model;
    }),
    inputs: [normal([4])],
    targets: [normal([2])],
    samples: 20,
    batch: 8,
  },
  {
    // Softmax outputs with sparse CE (not from logits), CE from logits, a non-trainable layer;
    // Adam (plain) and RMSprop (plain) come with the MNIST MLP and this model.
    name: 'heads',
    build: fresh(() => {
      const x = Input({ shape: [5] });
      const frozen = layers.Dense(6, { activation: 'relu', trainable: false });
      const h = T(frozen(x));
      const p = T(layers.Dense(3, { activation: 'softmax', name: 'p' })(h));
      const q = T(layers.Dense(3, { name: 'q' })(h));
      const model = Model({ inputs: x, outputs: [p, q] });
      model.compile({
        optimizer: optimizers.RMSprop({ learningRate: 0.01 }),
        loss: [losses.SparseCategoricalCrossentropy(), losses.CategoricalCrossentropy({ fromLogits: true })],
        metrics: [['sparse_categorical_accuracy'], ['accuracy']],
      });
      return model;
    }),
    inputs: [normal([5])],
    targets: [labels([], 3), probabilities([3])],
    samples: 20,
    batch: 8,
  },
  MLP_MODEL,
];
