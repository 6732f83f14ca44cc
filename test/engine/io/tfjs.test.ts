/**
 * TensorFlow.js layers models, checked against tfjs 4.22 itself: what Strata writes, tfjs
 * loads (from memory, the files' contents as they are) and predicts with the same outputs;
 * what tfjs saves (written out as its file-system handler does: model.json + weights.bin),
 * Strata opens and predicts with the same outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, Sequential, layers, losses, optimizers, ops, registerLayer, type TracedTensor, type Weight } from '../../../electron/engine/frontends/dsl.js';
import { resetCustomLayers, resetNames, uniqueWeights, type Functional, type Shape } from '../../../electron/engine/graph/index.js';
import { loadModelFile, readModelConfig, saveModel } from '../../../electron/engine/io/model-file.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import type { ArrayData } from '../../../electron/engine/training/data-adapter.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { getWeights, setWeightValue } from '../../../electron/engine/training/weights.js';

tf.setBackend('cpu');

beforeEach(() => {
  resetNames();
  resetCustomLayers();
});

const folder = mkdtempSync(join(tmpdir(), 'strata-tfjs-'));
let saved = 0;
const freshDir = (name: string) => join(folder, `${name}-${saved++}`);

interface InputSpec {
  shape: number[];
  /** Indices below this bound (an int32 input) instead of normal values. */
  indices?: number;
}

function batch(specs: InputSpec[], seed = 3): ArrayData[] {
  const rng = new Random(seed);
  return specs.map(({ shape, indices }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = indices ? Int32Array.from({ length: size }, () => Math.floor(rng.uniform() * indices)) : Float32Array.from({ length: size }, () => rng.normal());
    return { shape, data };
  });
}

const tensors = (xs: ArrayData[]) => xs.map((x) => tf.tensor(x.data as Float32Array | Int32Array, x.shape, x.data instanceof Int32Array ? 'int32' : 'float32'));

function tfjsPredict(model: tf.LayersModel, xs: ArrayData[]): Float32Array[] {
  const out = model.predict(tensors(xs)) as tf.Tensor | tf.Tensor[];
  return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
}

const strataPredict = (model: Functional, xs: ArrayData[]) => new Trainer(model, 1).predict(xs).map((o) => o.data as Float32Array);

/** Equal to 1e-5, relative to the size of the values (float32 sums over a thousand terms differ by order). */
function expectClose(actual: Float32Array[], expected: Float32Array[]): void {
  expect(actual.map((a) => a.length)).toEqual(expected.map((e) => e.length));
  const excess = Math.max(...actual.map((a, i) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - expected[i]![j]!) / (1 + Math.abs(expected[i]![j]!))), 0)));
  expect(excess).toBeLessThan(1e-5);
}

/** Every weight drawn at random (biases and moving statistics too), so that a misplaced weight shows. */
function randomize(model: Functional, seed = 11): void {
  const rng = new Random(seed);
  for (const w of uniqueWeights(model.weights)) {
    const draw = w.name === 'moving_variance' ? () => 0.5 + rng.uniform() : () => rng.normal() * 0.5;
    setWeightValue(w, Float32Array.from({ length: w.size }, draw));
  }
}

/** Weights as their bytes: bit-exact, and quick to compare at a million values. */
const bits = (weights: Float32Array[]) => weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

function randomizeTfjs(model: tf.LayersModel): void {
  model.setWeights(
    model.weights.map((w, i) =>
      w.name.includes('moving_variance') ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i) : tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', i),
    ),
  );
}

/** float32 to half-float bits, truncated; values below the smallest normal half become zero. */
function toHalf(v: number): number {
  const bits = new Uint32Array(Float32Array.of(v).buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  return exp <= 0 ? sign : sign | (Math.min(exp, 30) << 10) | ((bits >>> 13) & 0x3ff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The files Strata wrote, given to tfjs' own loader as they are. */
async function tfjsLoad(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const groups = json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  const data = concat(groups.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))))));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData: data.buffer as ArrayBuffer }));
}

/** What tfjs saves, written as its file-system handler writes it. */
async function tfjsSave(model: tf.LayersModel, dir: string, edit: (json: Record<string, any>, data: Uint8Array) => Uint8Array = (_, d) => d): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const json: Record<string, any> = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
      };
      const data = edit(json, new Uint8Array(a.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'weights.bin'), data);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
}

// ---- models built in Strata -----------------------------------------------------------------

function strataMlp(): Functional {
  const inputs = Input({ shape: [6], name: 'features' });
  let h = layers.Dense(12, { activation: 'relu' })(inputs);
  h = layers.BatchNormalization()(h);
  h = layers.Dropout(0.2)(h);
  const model = Model({ inputs, outputs: layers.Dense(3, { activation: 'softmax' })(h), name: 'mlp' });
  model.compile({ optimizer: optimizers.Adam({ learningRate: 0.01 }), loss: losses.SparseCategoricalCrossentropy(), metrics: ['accuracy'] });
  return model;
}

const strataCnn = () =>
  Sequential([
    Input({ shape: [8, 8, 2] }),
    layers.Conv2D(4, 3, { padding: 'same', activation: 'relu' }),
    layers.MaxPooling2D(),
    layers.DepthwiseConv2D(2, { depthMultiplier: 2 }),
    layers.SeparableConv2D(3, 2),
    layers.Flatten(),
    layers.Dense(3),
  ]);

function strataTwoInputs(): Functional {
  const a = Input({ shape: [6], name: 'a' });
  const b = Input({ shape: [4], name: 'b' });
  const merged = layers.Concatenate()([layers.Dense(5, { activation: 'tanh' })(a), layers.Dense(3)(b)]);
  return Model({ inputs: [a, b], outputs: [layers.Dense(2)(merged), layers.Dense(1, { activation: 'sigmoid' })(merged)] });
}

function strataSequence(): Functional {
  const model = Sequential([
    Input({ shape: [5, 3] }),
    layers.LSTM(4, { returnSequences: true }),
    layers.Bidirectional(layers.GRU(3, { resetAfter: false, returnSequences: true })),
    layers.TimeDistributed(layers.Dense(2)),
    layers.SimpleRNN(3),
  ]);
  model.compile({ optimizer: optimizers.Adam({ learningRate: 0.01, amsgrad: true }), loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
  return model;
}

const strataEmbedding = () =>
  Sequential([Input({ shape: [5], dtype: 'int32' }), layers.Embedding(10, 4), layers.GlobalAveragePooling1D(), layers.Dense(2)]);

/** A model nested in another, called twice, beside a shared layer: tfjs counts a model's calls from 1. */
function strataNested(): Functional {
  const x = Input({ shape: [4] });
  const inner = Model({ inputs: x, outputs: layers.Dense(3, { name: 'inner_dense' })(x), name: 'inner' });
  const a = Input({ shape: [4] });
  const b = Input({ shape: [4] });
  const shared = layers.Dense(4, { name: 'shared' });
  const sum = layers.Add()([inner(shared(a)), inner(shared(b))]);
  return Model({ inputs: [a, b], outputs: [layers.Dense(2, { trainable: false })(sum), inner(a)] });
}

describe('Strata → TensorFlow.js', () => {
  const cases: Array<[string, () => Functional, InputSpec[]]> = [
    ['an MLP with BatchNormalization and Dropout', strataMlp, [{ shape: [7, 6] }]],
    ['a CNN', strataCnn, [{ shape: [3, 8, 8, 2] }]],
    ['a two-input, two-output model with Concatenate', strataTwoInputs, [{ shape: [4, 6] }, { shape: [4, 4] }]],
    ['LSTM, Bidirectional GRU, TimeDistributed and SimpleRNN', strataSequence, [{ shape: [3, 5, 3] }]],
    ['an Embedding', strataEmbedding, [{ shape: [4, 5], indices: 10 }]],
    ['a nested model called twice and a shared layer', strataNested, [{ shape: [3, 4] }, { shape: [3, 4] }]],
  ];
  for (const [what, build, inputs] of cases) {
    it(`tfjs loads ${what} and predicts as Strata does`, async () => {
      const model = build();
      randomize(model);
      const dir = freshDir('to-tfjs');
      saveModel(model, join(dir, 'model.json'));
      const xs = batch(inputs);
      expectClose(tfjsPredict(await tfjsLoad(dir), xs), strataPredict(model, xs));
    });
  }

  it('write the Keras 2 form tfjs writes, with tfjs weight names, one shard', () => {
    const model = strataSequence();
    const dir = freshDir('layout');
    saveModel(model, join(dir, 'model.json'));
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    const config = json.modelTopology.model_config;
    expect(config.class_name).toBe('Sequential');
    const [input, lstm, bidi] = config.config.layers;
    expect(input.config.batch_input_shape).toEqual([null, 5, 3]);
    expect(lstm.config.dtype).toBe('float32');
    expect(JSON.stringify(config)).not.toMatch(/registered_name|build_config|"module"|DTypePolicy/);
    expect(bidi.config.layer.config.name).toBe('gru');
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
      'lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias',
      'bidirectional/forward_gru/kernel', 'bidirectional/forward_gru/recurrent_kernel', 'bidirectional/forward_gru/bias',
      'bidirectional/backward_gru/kernel', 'bidirectional/backward_gru/recurrent_kernel', 'bidirectional/backward_gru/bias',
      'time_distributed/kernel', 'time_distributed/bias',
      'simple_rnn/kernel', 'simple_rnn/recurrent_kernel', 'simple_rnn/bias',
    ]);
    // The Keras compile options ride along for Strata; tfjs ignores them.
    expect(json.modelTopology.training_config.loss.config.from_logits).toBe(true);
  });

  it('split weights over 4 MB into shards tfjs reads in order', async () => {
    const model = Sequential([Input({ shape: [1100] }), layers.Dense(1000)]);
    randomize(model);
    const dir = freshDir('shards');
    saveModel(model, join(dir, 'model.json'));
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    expect(readFileSync(join(dir, 'group1-shard1of2.bin')).length).toBe(4 * 1024 * 1024);
    const xs = batch([{ shape: [2, 1100] }]);
    expectClose(tfjsPredict(await tfjsLoad(dir), xs), strataPredict(model, xs));
    resetNames();
    expect(bits(getWeights((await loadModelFile(dir)).model))).toEqual(bits(getWeights(model)));
  });

  it('refuse what tfjs cannot run as Strata does, naming every such layer', () => {
    class Scale extends layers.Layer {
      w!: Weight;
      override build(inputShape: Shape) {
        this.w = this.addWeight({ name: 'w', shape: [inputShape[1]!] });
      }
      override call(x: TracedTensor) {
        return ops.multiply(x, this.w);
      }
    }
    registerLayer('Scale', Scale);
    const x = Input({ shape: [5, 3] });
    const h = layers.GRU(4)(x);
    const y = layers.Dense(4, { activation: 'hard_sigmoid' })(new Scale()(h));
    const model = Model({ inputs: x, outputs: layers.Subtract()([y, h]) });
    const path = join(freshDir('refused'), 'model.json');
    let message = '';
    try {
      saveModel(model, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Cannot save model "functional" as a TensorFlow\.js layers model/);
    expect(message).toMatch(/layer "gru" \(GRU\) has resetAfter: true/);
    expect(message).toMatch(/layer "scale" \(Scale\) is a custom layer \(strata>Scale\)/);
    expect(message).toMatch(/layer "dense" \(Dense\) uses the hard_sigmoid activation: tfjs computes hard_sigmoid as clip\(0\.2x \+ 0\.5\)/);
    expect(message).toMatch(/layer "subtract" \(Subtract\) has no TensorFlow\.js counterpart/);
    expect(() => readdirSync(join(path, '..'))).toThrow(/ENOENT/);
  });
});

// ---- models built in tfjs --------------------------------------------------------------------

function tfjsMlp(): tf.LayersModel {
  const x = tf.input({ shape: [6] });
  let h = tf.layers.dense({ units: 12, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.2 }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor });
  model.compile({ optimizer: tf.train.rmsprop(0.01, 0.8), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const tfjsCnn = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 }),
      tf.layers.separableConv2d({ filters: 3, kernelSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });

function tfjsTwoInputs(): tf.LayersModel {
  const a = tf.input({ shape: [6] });
  const b = tf.input({ shape: [4] });
  const merged = tf.layers.concatenate().apply([tf.layers.dense({ units: 5, activation: 'tanh' }).apply(a), tf.layers.dense({ units: 3 }).apply(b)] as tf.SymbolicTensor[]);
  return tf.model({ inputs: [a, b], outputs: [tf.layers.dense({ units: 2 }).apply(merged), tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(merged)] as tf.SymbolicTensor[] });
}

/** Keras 3's recurrent activation (tfjs defaults to the older hard_sigmoid). */
const tfjsSequence = () =>
  tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [5, 3], units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.RNN }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) }),
      tf.layers.simpleRNN({ units: 3 }),
    ],
  });

const tfjsEmbedding = () =>
  tf.sequential({ layers: [tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }), tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: 2 })] });

function tfjsNested(): tf.LayersModel {
  const x = tf.input({ shape: [4] });
  const inner = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3 }).apply(x) as tf.SymbolicTensor, name: 'inner' });
  const stack = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })], name: 'stack' });
  const a = tf.input({ shape: [4] });
  const b = tf.input({ shape: [4] });
  const sum = tf.layers.add().apply([inner.apply(a), inner.apply(b)] as tf.SymbolicTensor[]) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: [stack.apply(sum), stack.apply(inner.apply(a))] as tf.SymbolicTensor[] });
}

describe('TensorFlow.js → Strata', () => {
  const cases: Array<[string, () => tf.LayersModel, InputSpec[]]> = [
    ['an MLP with BatchNormalization and Dropout', tfjsMlp, [{ shape: [7, 6] }]],
    ['a CNN', tfjsCnn, [{ shape: [3, 8, 8, 2] }]],
    ['a two-input, two-output model with Concatenate', tfjsTwoInputs, [{ shape: [4, 6] }, { shape: [4, 4] }]],
    ['LSTM, Bidirectional GRU, TimeDistributed and SimpleRNN', tfjsSequence, [{ shape: [3, 5, 3] }]],
    ['an Embedding', tfjsEmbedding, [{ shape: [4, 5], indices: 10 }]],
    ['models nested in a model, called several times', tfjsNested, [{ shape: [3, 4] }, { shape: [3, 4] }]],
  ];
  for (const [what, build, inputs] of cases) {
    it(`open ${what} saved by tfjs and predict as tfjs does`, async () => {
      const model = build();
      randomizeTfjs(model);
      const dir = freshDir('from-tfjs');
      await tfjsSave(model, dir);
      const xs = batch(inputs);
      const loaded = await loadModelFile(dir);
      expect(loaded.format).toBe('tfjs');
      expectClose(strataPredict(loaded.model, xs), tfjsPredict(model, xs));
    });
  }

  it("restore tfjs' compile options, not its optimizer state", async () => {
    const dir = freshDir('compiled');
    await tfjsSave(tfjsMlp(), dir);
    const loaded = await loadModelFile(join(dir, 'model.json'));
    const compiled = loaded.model.compileConfig!.toJSON() as { optimizer: { class_name: string; config: Record<string, unknown> }; loss: unknown; metrics: unknown };
    expect(compiled.optimizer.class_name).toBe('RMSprop');
    expect(compiled.optimizer.config).toMatchObject({ learning_rate: 0.01, rho: 0.8, momentum: 0, centered: false });
    expect(compiled.loss).toBe('categorical_crossentropy');
    expect(compiled.metrics).toEqual(['accuracy']);
    expect(loaded.warnings).toEqual([expect.stringMatching(/the optimizer state saved by tfjs is not restored/)]);
  });

  it('dequantize uint8, uint16 and float16 weights as tfjs does', async () => {
    const model = tfjsTwoInputs();
    randomizeTfjs(model);
    const dir = freshDir('quantized');
    await tfjsSave(model, dir, (json, data) => {
      const values = new Float32Array(data.slice().buffer);
      let at = 0;
      const parts = (json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[]).map((spec, i) => {
        const w = values.subarray(at, (at += spec.shape.reduce((a, b) => a * b, 1)));
        const dtype = (['uint8', 'uint16', 'float16'] as const)[i % 3]!;
        if (dtype === 'float16') {
          spec.quantization = { dtype };
          return new Uint8Array(Uint16Array.from(w, toHalf).buffer);
        }
        const min = Math.min(...w);
        const scale = (Math.max(...w) - min) / (dtype === 'uint8' ? 255 : 65535);
        spec.quantization = { dtype, min, scale };
        const codes = Array.from(w, (v) => Math.round((v - min) / scale));
        return new Uint8Array((dtype === 'uint8' ? Uint8Array.from(codes) : Uint16Array.from(codes)).buffer);
      });
      return concat(parts);
    });
    const xs = batch([{ shape: [4, 6] }, { shape: [4, 4] }]);
    const loaded = await loadModelFile(dir);
    expectClose(strataPredict(loaded.model, xs), tfjsPredict(await tfjsLoad(dir), xs));
  });

  it("warn that tfjs' hard_sigmoid (its recurrent default) is not Keras 3's", async () => {
    const dir = freshDir('hard-sigmoid');
    await tfjsSave(tf.sequential({ layers: [tf.layers.lstm({ inputShape: [5, 3], units: 2, name: 'old_lstm' })] }), dir);
    const loaded = await loadModelFile(dir);
    expect(loaded.warnings).toEqual([expect.stringMatching(/layers old_lstm use hard_sigmoid, which tfjs computes as clip\(0\.2x \+ 0\.5\)/)]);
  });
});

describe('Strata → TensorFlow.js → Strata', () => {
  it('give bit-identical weights and the same compile options', async () => {
    const d = batch([{ shape: [32, 5, 3] }]);
    const y = { shape: [32], data: Float32Array.from({ length: 32 }, (_, i) => i % 3) };
    const model = strataSequence();
    new Trainer(model, 3).fit(d[0]!, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const dir = freshDir('round-trip');
    saveModel(model, join(dir, 'model.json'));
    resetNames();
    const loaded = await loadModelFile(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.model.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(bits(getWeights(loaded.model))).toEqual(bits(getWeights(model)));
    expect(loaded.model.compileConfig!.toJSON()).toEqual(model.compileConfig!.toJSON());
    expect((await readModelConfig(dir)).class_name).toBe('Sequential');
  });
});

describe('broken TensorFlow.js files', () => {
  async function savedMlp(): Promise<string> {
    const dir = freshDir('broken');
    const model = strataMlp();
    randomize(model);
    saveModel(model, join(dir, 'model.json'));
    return dir;
  }
  const editJSON = (dir: string, edit: (json: Record<string, any>) => void) => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(json);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  };

  it('name a missing weight file', async () => {
    const dir = await savedMlp();
    rmSync(join(dir, 'group1-shard1of1.bin'));
    await expect(loadModelFile(dir)).rejects.toThrow(/model\.json: the weight file "group1-shard1of1\.bin" listed in weightsManifest is missing \(looked for .*broken-\d+\/group1-shard1of1\.bin\)/);
  });

  it('say how many bytes a truncated shard holds and how many the manifest needs', async () => {
    const dir = await savedMlp();
    const shard = join(dir, 'group1-shard1of1.bin');
    const full = readFileSync(shard);
    writeFileSync(shard, full.subarray(0, 100));
    await expect(loadModelFile(dir)).rejects.toThrow(new RegExp(`the weight files hold 100 bytes, but the manifest needs ${full.length}: weight "dense/kernel" \\(shape \\[6,12\\]\\) would end at byte 288`));
  });

  it('list the weights a manifest lacks and those no layer has', async () => {
    const dir = await savedMlp();
    editJSON(dir, (json) => {
      json.weightsManifest[0].weights[0].name = 'dense_9/kernel';
    });
    await expect(loadModelFile(dir)).rejects.toThrow(
      /the weights manifest does not match the model: the model's weights dense\/kernel are missing from it; it holds dense_9\/kernel, which no layer of the model has/,
    );
    editJSON(dir, (json) => {
      json.weightsManifest[0].weights[0] = { name: 'dense/kernel', shape: [12, 6], dtype: 'float32' };
    });
    await expect(loadModelFile(dir)).rejects.toThrow(/weight "dense\/kernel" has shape \[12,6\] in the manifest; layer "dense" expects \[6,12\]/);
  });

  it('refuse a model.json that is not JSON, or not a layers model', async () => {
    const dir = freshDir('not-json');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), 'model: yes');
    await expect(loadModelFile(dir)).rejects.toThrow(/model\.json is not valid JSON \(.*\); expected a TensorFlow\.js model\.json/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
    await expect(loadModelFile(dir)).rejects.toThrow(/is a TensorFlow\.js graph model .*; Strata opens TensorFlow\.js layers models only/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'settings', version: 2 }));
    await expect(loadModelFile(join(dir, 'model.json'))).rejects.toThrow(
      /is not a TensorFlow\.js layers model: expected format "layers-model" and a modelTopology object; it has format null and no modelTopology \(keys: name, version\)/,
    );
    const empty = freshDir('empty');
    mkdirSync(empty);
    await expect(loadModelFile(empty)).rejects.toThrow(/is a folder without a model\.json; expected a model file \(\.keras or \.h5\) or a TensorFlow\.js model folder/);
  });
});
