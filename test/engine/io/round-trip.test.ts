/**
 * Every built-in layer class survives saving and loading, as .keras and as legacy .h5: a small
 * model per class (several per class where options change what is saved), trained a little
 * (or given random weights), saved, loaded in a fresh naming scope and compared — config,
 * weights bit for bit, predictions, optimizer state and the losses of further training (see
 * round-trip-check.ts). A built-in class without a model here fails the suite, so a new layer
 * has to come with its case.
 */
import { strFromU8, unzipSync } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, Sequential, layers, losses, ops, optimizers, registerLayer, type SymbolicTensor, type Weight } from '../../../electron/engine/frontends/dsl.js';
import type { Functional } from '../../../electron/engine/graph/functional.js';
import type { Layer } from '../../../electron/engine/graph/layer.js';
import { resetNames } from '../../../electron/engine/graph/naming.js';
import { builtinLayerClasses } from '../../../electron/engine/graph/registry.js';
import type { Shape } from '../../../electron/engine/graph/shape.js';
import { readKerasArchive, writeKerasArchive } from '../../../electron/engine/io/keras-archive.js';
import type { TracedTensor } from '../../../electron/engine/ops/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { weightValue } from '../../../electron/engine/training/weights.js';
import { expectRoundTrip, perturbWeights, randomInputs, type RoundTripOptions } from './round-trip-check.js';

beforeEach(() => resetNames());

/** A custom layer with its own weights: `inputs · w + b`, its config its constructor's options. */
class Affine extends layers.Layer {
  units: number;
  w!: Weight;
  b!: Weight;

  constructor({ units, ...options }: { units: number; name?: string; trainable?: boolean }) {
    super(options);
    this.units = units;
  }

  override build(inputShape: Shape): void {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1]!, this.units], initializer: 'random_normal' });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'ones' });
  }

  override call(inputs: TracedTensor) {
    return ops.add(ops.matmul(inputs, this.w), this.b);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}
registerLayer('Affine', Affine);

/**
 * A custom layer holding a sublayer and weights of its own, `tanh(dense(x)) * scale + shift`,
 * with its non-trainable `shift` created first: files list a layer's trainable weights first.
 */
class ScaledDense extends layers.Layer {
  units: number;
  dense: Layer;
  shift!: Weight;
  scale!: Weight;

  constructor({ units, ...options }: { units: number; name?: string; trainable?: boolean }) {
    super(options);
    this.units = units;
    this.dense = layers.Dense(units, { activation: 'tanh' });
  }

  override build(): void {
    this.shift = this.addWeight({ name: 'shift', shape: [this.units], initializer: 'random_uniform', trainable: false });
    this.scale = this.addWeight({ name: 'scale', shape: [this.units], initializer: 'ones' });
  }

  override call(inputs: TracedTensor) {
    return ops.add(ops.multiply(this.dense(inputs) as TracedTensor, this.scale), this.shift);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}
registerLayer('ScaledDense', ScaledDense);

const OPTIMIZERS = [
  optimizers.Adam({ learningRate: 0.01 }),
  optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
  optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
  optimizers.Adagrad(0.05),
  optimizers.Adadelta(1),
  optimizers.Adamax(0.01),
  optimizers.Nadam(0.01),
  optimizers.AdamW({ learningRate: 0.01, weightDecay: 0.01, clipnorm: 1 }),
];

interface Case extends RoundTripOptions {
  name: string;
  /** The model; compiled here with the next optimizer of OPTIMIZERS and mse unless it compiles itself. */
  build: () => Functional;
  /** Left uncompiled: saved without compile_config or optimizer state, given random weights. */
  uncompiled?: true;
}

/** A Sequential model: an input of `shape`, then the layers. */
const stack = (shape: Array<number | null>, ...ls: Layer[]) => Sequential([Input({ shape }), ...ls]);

/** Two Dense branches of a shared input, merged by `merge`, so that the merge has something trained under it. */
function merged(merge: Layer, units = 4): Functional {
  const a = Input({ shape: [3], name: 'left' });
  const b = Input({ shape: [5], name: 'right' });
  return Model([a, b], merge([layers.Dense(units)(a), layers.Dense(units, { activation: 'tanh' })(b)]));
}

const CASES: Case[] = [
  // ---- core
  { name: 'Dense with activation, no bias', build: () => stack([5], layers.Dense(4, { activation: 'relu' }), layers.Dense(3, { useBias: false, kernelInitializer: 'he_normal' })) },
  { name: 'Activation', build: () => stack([5], layers.Dense(4), layers.Activation('tanh')) },
  { name: 'Dropout with a seed', build: () => stack([3, 4], layers.Dense(4), layers.Dropout(0.3, { seed: 7 }), layers.Dense(2)) },
  {
    name: 'Dropout with a noise shape — no predictions: noise_shape cannot run in a step yet',
    noPredictions: /noiseShape is not supported/,
    build: () => stack([3, 4], layers.Dense(4), layers.Dropout(0.3, { noiseShape: [null, 1, 4] }), layers.Dense(2)),
  },
  { name: 'Masking into an LSTM', build: () => stack([5, 3], layers.Masking({ maskValue: 0.5 }), layers.LSTM(3)) },
  // ---- convolutions
  { name: 'Conv1D, strided, dilated', build: () => stack([9, 3], layers.Conv1D(4, 3, { strides: 2, activation: 'relu' }), layers.Conv1D(2, 2, { dilationRate: 2, padding: 'same' })) },
  { name: 'Conv1D, grouped, causal', build: () => stack([8, 4], layers.Conv1D(4, 3, { groups: 2, padding: 'causal' })) },
  { name: 'Conv2D', build: () => stack([6, 6, 2], layers.Conv2D(4, 3, { padding: 'same' }), layers.Conv2D(3, [2, 3], { strides: [2, 1] })) },
  { name: 'Conv3D', build: () => stack([4, 4, 4, 1], layers.Conv3D(2, 2)) },
  { name: 'Conv1DTranspose', build: () => stack([5, 2], layers.Conv1DTranspose(3, 3, { strides: 2 })) },
  { name: 'Conv2DTranspose', build: () => stack([4, 4, 2], layers.Conv2DTranspose(3, 3, { strides: 2, padding: 'same' })) },
  { name: 'Conv3DTranspose', build: () => stack([3, 3, 3, 1], layers.Conv3DTranspose(2, 2)) },
  { name: 'SeparableConv1D', build: () => stack([8, 3], layers.SeparableConv1D(4, 3, { depthMultiplier: 2 })) },
  { name: 'SeparableConv2D', build: () => stack([6, 6, 2], layers.SeparableConv2D(4, 3, { padding: 'same' })) },
  { name: 'DepthwiseConv1D', build: () => stack([8, 3], layers.DepthwiseConv1D(3, { depthMultiplier: 2 })) },
  { name: 'DepthwiseConv2D', build: () => stack([6, 6, 2], layers.DepthwiseConv2D(3)) },
  // ---- pooling (after a trained layer)
  { name: 'MaxPooling1D', build: () => stack([8, 3], layers.Dense(3), layers.MaxPooling1D(2)) },
  { name: 'MaxPooling2D, same padding', build: () => stack([6, 6, 2], layers.Dense(2), layers.MaxPooling2D(2, { strides: 1, padding: 'same' })) },
  { name: 'MaxPooling3D', build: () => stack([4, 4, 4, 2], layers.Dense(2), layers.MaxPooling3D(2)) },
  { name: 'AveragePooling1D', build: () => stack([8, 3], layers.Dense(3), layers.AveragePooling1D(3, { strides: 2 })) },
  { name: 'AveragePooling2D', build: () => stack([6, 6, 2], layers.Dense(2), layers.AveragePooling2D(2)) },
  { name: 'AveragePooling3D', build: () => stack([4, 4, 4, 2], layers.Dense(2), layers.AveragePooling3D(2)) },
  { name: 'GlobalMaxPooling1D', build: () => stack([6, 3], layers.Dense(3), layers.GlobalMaxPooling1D()) },
  { name: 'GlobalMaxPooling2D, keepdims', build: () => stack([4, 4, 2], layers.Dense(2), layers.GlobalMaxPooling2D({ keepdims: true })) },
  { name: 'GlobalMaxPooling3D', build: () => stack([3, 3, 3, 2], layers.Dense(2), layers.GlobalMaxPooling3D()) },
  { name: 'GlobalAveragePooling1D', build: () => stack([6, 3], layers.Dense(3), layers.GlobalAveragePooling1D()) },
  { name: 'GlobalAveragePooling2D', build: () => stack([4, 4, 2], layers.Dense(2), layers.GlobalAveragePooling2D()) },
  { name: 'GlobalAveragePooling3D, keepdims', build: () => stack([3, 3, 3, 2], layers.Dense(2), layers.GlobalAveragePooling3D({ keepdims: true })) },
  // ---- reshaping
  { name: 'Flatten', build: () => stack([3, 4], layers.Dense(2), layers.Flatten(), layers.Dense(2)) },
  { name: 'Reshape', build: () => stack([12], layers.Dense(6), layers.Reshape([2, 3])) },
  { name: 'Permute', build: () => stack([3, 4], layers.Dense(2), layers.Permute([2, 1])) },
  { name: 'RepeatVector', build: () => stack([4], layers.Dense(2), layers.RepeatVector(3)) },
  { name: 'UpSampling1D', build: () => stack([4, 3], layers.Dense(2), layers.UpSampling1D(2)) },
  { name: 'UpSampling2D, bilinear', build: () => stack([3, 3, 2], layers.Dense(2), layers.UpSampling2D(2, { interpolation: 'bilinear' })) },
  { name: 'UpSampling3D', build: () => stack([2, 2, 2, 1], layers.Dense(2), layers.UpSampling3D(2)) },
  { name: 'ZeroPadding1D', build: () => stack([4, 3], layers.Dense(2), layers.ZeroPadding1D([1, 2])) },
  { name: 'ZeroPadding2D', build: () => stack([3, 3, 2], layers.Dense(2), layers.ZeroPadding2D([[1, 0], [0, 2]])) },
  { name: 'ZeroPadding3D', build: () => stack([2, 2, 2, 1], layers.Dense(2), layers.ZeroPadding3D(1)) },
  { name: 'Cropping1D', build: () => stack([6, 3], layers.Dense(2), layers.Cropping1D([1, 2])) },
  { name: 'Cropping2D', build: () => stack([5, 5, 2], layers.Dense(2), layers.Cropping2D([[1, 0], [0, 2]])) },
  { name: 'Cropping3D', build: () => stack([4, 4, 4, 1], layers.Dense(2), layers.Cropping3D(1)) },
  // ---- merging
  { name: 'Add', build: () => merged(layers.Add()) },
  { name: 'Subtract', build: () => merged(layers.Subtract()) },
  { name: 'Multiply', build: () => merged(layers.Multiply()) },
  { name: 'Average', build: () => merged(layers.Average()) },
  { name: 'Maximum', build: () => merged(layers.Maximum()) },
  { name: 'Minimum', build: () => merged(layers.Minimum()) },
  { name: 'Concatenate', build: () => merged(layers.Concatenate({ axis: -1 }), 3) },
  { name: 'Dot, normalized', build: () => merged(layers.Dot(1, { normalize: true })) },
  // ---- normalization
  { name: 'BatchNormalization with trained moving statistics', build: () => stack([5], layers.Dense(4), layers.BatchNormalization({ momentum: 0.5 }), layers.Dense(2)) },
  { name: 'BatchNormalization on channels, no scale', build: () => stack([4, 4, 3], layers.Conv2D(3, 2), layers.BatchNormalization({ axis: -1, scale: false, epsilon: 0.01 })) },
  { name: 'LayerNormalization', build: () => stack([3, 4], layers.Dense(4), layers.LayerNormalization({ axis: -1 })) },
  { name: 'LayerNormalization, rms scaling', build: () => stack([4], layers.Dense(4), layers.LayerNormalization({ rmsScaling: true, center: false })) },
  // ---- activation layers
  { name: 'Softmax', build: () => stack([3, 4], layers.Dense(4), layers.Softmax({ axis: 1 })) },
  { name: 'ReLU with a ceiling, slope and threshold', build: () => stack([5], layers.Dense(4), layers.ReLU({ maxValue: 0.5, negativeSlope: 0.1, threshold: 0.05 })) },
  { name: 'LeakyReLU', build: () => stack([5], layers.Dense(4), layers.LeakyReLU({ negativeSlope: 0.2 })) },
  { name: 'ELU', build: () => stack([5], layers.Dense(4), layers.ELU({ alpha: 0.5 })) },
  { name: 'PReLU with shared axes', build: () => stack([3, 4], layers.Dense(4), layers.PReLU({ sharedAxes: [1], alphaInitializer: { className: 'Constant', config: { value: 0.25 } } })) },
  { name: 'Identity (uncompiled)', uncompiled: true, build: () => stack([5], layers.Dense(3), layers.Identity()) },
  // ---- embedding
  { name: 'Embedding', ids: 10, build: () => stack([5], layers.Embedding(10, 4), layers.GlobalAveragePooling1D(), layers.Dense(2)) },
  { name: 'Embedding with a zero mask into an LSTM', ids: 6, build: () => Sequential([Input({ shape: [null], dtype: 'int32' }), layers.Embedding(6, 3, { maskZero: true }), layers.LSTM(2)]) },
  // ---- recurrent
  { name: 'SimpleRNN returning sequences', build: () => stack([5, 3], layers.SimpleRNN(4, { returnSequences: true })) },
  { name: 'SimpleRNN backwards over open-length sequences', build: () => stack([null, 3], layers.SimpleRNN(3, { goBackwards: true, activation: 'relu' })) },
  {
    name: 'LSTM returning its state',
    build: () => {
      const x = Input({ shape: [4, 3] });
      return Model(x, layers.LSTM(3, { returnSequences: true, returnState: true })(x) as SymbolicTensor[]);
    },
  },
  { name: 'LSTM backwards, no forget bias', build: () => stack([5, 2], layers.LSTM(3, { goBackwards: true, unitForgetBias: false })) },
  {
    name: 'GRU fed an initial state, returning its state',
    build: () => {
      const x = Input({ shape: [4, 3] });
      const s = Input({ shape: [2] });
      return Model([x, s], layers.GRU(2, { returnState: true })(x, { initialState: [s] }) as SymbolicTensor[]);
    },
  },
  { name: 'GRU without reset_after, backwards, sequences', build: () => stack([5, 3], layers.GRU(3, { resetAfter: false, goBackwards: true, returnSequences: true })) },
  // ---- wrappers
  { name: 'TimeDistributed Dense', build: () => stack([4, 5], layers.TimeDistributed(layers.Dense(3))) },
  { name: 'TimeDistributed Conv2D', build: () => stack([3, 5, 5, 1], layers.TimeDistributed(layers.Conv2D(2, 3)), layers.TimeDistributed(layers.Flatten())) },
  { name: 'Bidirectional LSTM, concat', build: () => stack([5, 3], layers.Bidirectional(layers.LSTM(3, { returnSequences: true }))) },
  { name: 'Bidirectional GRU, sum', build: () => stack([5, 3], layers.Bidirectional(layers.GRU(3), { mergeMode: 'sum' })) },
  { name: 'Bidirectional LSTM, mul', build: () => stack([5, 3], layers.Bidirectional(layers.LSTM(2), { mergeMode: 'mul' })) },
  { name: 'Bidirectional GRU, ave', build: () => stack([5, 3], layers.Bidirectional(layers.GRU(2, { returnSequences: true }), { mergeMode: 'ave' })) },
  {
    name: 'Bidirectional LSTM, no merge, with its state',
    build: () => {
      const x = Input({ shape: [4, 3] });
      return Model(x, layers.Bidirectional(layers.LSTM(2, { returnState: true }), { mergeMode: null })(x) as SymbolicTensor[]);
    },
  },
  {
    name: 'Bidirectional with its own backward layer',
    build: () => stack([5, 3], layers.Bidirectional(layers.GRU(3), { backwardLayer: layers.SimpleRNN(3, { goBackwards: true }) })),
  },
  // ---- models in models
  {
    name: 'Sequential inside a Functional model',
    build: () => {
      const x = Input({ shape: [4] });
      const inner = Sequential([layers.Dense(3, { activation: 'relu' }), layers.BatchNormalization(), layers.Dense(2)], { name: 'inner' });
      return Model(x, layers.Dense(1)(inner(layers.Dense(4)(x))));
    },
  },
  {
    name: 'a shared layer used twice',
    build: () => {
      const a = Input({ shape: [4] });
      const b = Input({ shape: [4] });
      const shared = layers.Dense(3, { name: 'shared' });
      return Model([a, b], layers.Concatenate()([shared(a), shared(b)]));
    },
  },
  {
    name: 'a model used as a layer twice',
    build: () => {
      const i = Input({ shape: [3] });
      const encoder = Model(i, layers.Dense(2)(layers.Dense(4, { activation: 'relu' })(i)), { name: 'encoder' });
      const a = Input({ shape: [3] });
      const b = Input({ shape: [3] });
      return Model([a, b], layers.Subtract()([encoder(a), encoder(b)]));
    },
  },
  {
    name: 'a Functional model inside a Sequential one, nested twice (uncompiled)',
    uncompiled: true,
    build: () => {
      const i = Input({ shape: [4] });
      const block = Model(i, layers.LayerNormalization()(layers.Dense(4)(i)), { name: 'block' });
      const deeper = Sequential([Input({ shape: [4] }), block, layers.Dense(2)], { name: 'deeper' });
      return Sequential([Input({ shape: [4] }), deeper, layers.Dense(1)]);
    },
  },
  // ---- what compile and freezing change in the saved optimizer state
  {
    name: 'frozen layers and a frozen nested model: no optimizer slots for them',
    build: () => {
      const x = Input({ shape: [4] });
      const frozen = layers.Dense(3, { trainable: false });
      const block = Sequential([Input({ shape: [3] }), layers.Dense(3), layers.BatchNormalization()], { name: 'block' });
      block.trainable = false;
      return Model(x, layers.Dense(2)(block(frozen(x))));
    },
  },
  {
    name: 'a learning-rate schedule and per-output losses',
    build: () => {
      const x = Input({ shape: [4] });
      const h = layers.Dense(4, { activation: 'relu' })(x);
      const model = Model(x, [layers.Dense(3, { name: 'label' })(h), layers.Dense(1, { name: 'score' })(h)]);
      model.compile({
        optimizer: optimizers.Adam({ learningRate: optimizers.schedules.ExponentialDecay(0.01, 2, 0.5), globalClipnorm: 0.5 }),
        loss: { label: losses.SparseCategoricalCrossentropy({ fromLogits: true }), score: 'huber' },
        lossWeights: { label: 1, score: 0.5 },
        metrics: { label: ['accuracy'], score: ['mae'] },
      });
      return model;
    },
  },
  // ---- custom layers
  { name: 'a custom layer with its own weights', build: () => stack([4], new Affine({ units: 3 }), layers.Activation('relu'), new Affine({ units: 2, name: 'head' })) },
  { name: 'a custom layer with a sublayer', build: () => stack([4], new ScaledDense({ units: 3 }), layers.Dense(2)) },
];

function build(c: Case, index: number): Functional {
  resetNames();
  const model = c.build();
  if (!c.uncompiled && !model.compileConfig) model.compile({ optimizer: OPTIMIZERS[index % OPTIMIZERS.length]!, loss: 'mse', metrics: ['mae'] });
  return model;
}

/** Every layer of a model, nested models, wrapped layers and custom layers' sublayers included. */
function allLayers(layer: Layer, seen = new Set<Layer>()): Set<Layer> {
  if (seen.has(layer)) return seen;
  seen.add(layer);
  const inner = 'layers' in layer ? (layer as Functional).layers : [];
  for (const l of [...inner, ...layer.sublayers()]) allLayers(l, seen);
  return seen;
}

describe('round trip of every layer class through .keras and .h5', () => {
  it('has a case for every built-in layer class', () => {
    const covered = new Set(CASES.flatMap((c, i) => [...allLayers(build(c, i))].map((l) => l.constructor)));
    const missing = [...new Set(builtinLayerClasses().values())].filter((cls) => !covered.has(cls)).map((cls) => cls.className ?? cls.name);
    expect(missing, 'built-in layer classes with no round-trip case').toEqual([]);
  });

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      await expectRoundTrip(build(c, i), `case-${i}`, c);
    });
  });

  it('keep the moving statistics BatchNormalization learnt, not its initial ones', () => {
    const model = build(CASES.find((c) => c.name.startsWith('BatchNormalization with'))!, 0);
    perturbWeights(model, randomInputs(model, new Random(1)), new Random(2));
    const bn = model.layers.find((l) => l.className === 'BatchNormalization')!;
    const [mean, variance] = bn.weights.filter((w) => !w.trainable).map((w) => [...weightValue(w)!]);
    expect(mean!.some((v) => v !== 0)).toBe(true);
    expect(variance!.some((v) => v !== 1)).toBe(true);
  });

  it('write a custom layer under its registered name and load it as its own class', () => {
    const model = build(CASES.find((c) => c.name === 'a custom layer with a sublayer')!, 0);
    const bytes = writeKerasArchive(model);
    const config = JSON.parse(strFromU8(unzipSync(bytes)['config.json']!));
    const entry = config.config.layers.find((l: { class_name: string }) => l.class_name === 'ScaledDense');
    expect(entry.registered_name).toBe('strata>ScaledDense');
    expect(entry.config.units).toBe(3);
    resetNames();
    const loaded = readKerasArchive(bytes, 'custom.keras').model;
    expect(loaded.layers.find((l) => l.className === 'ScaledDense')).toBeInstanceOf(ScaledDense);
  });
});
