import { beforeEach, describe, expect, it } from 'vitest';
import {
  Functional,
  Input,
  Sequential,
  modelFromJSON,
  modelToJSON,
  resetNames,
  summarize,
  type SymbolicTensor,
} from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';
import { LSTM } from '../../../electron/engine/layers/recurrent.js';
import { Bidirectional, TimeDistributed } from '../../../electron/engine/layers/wrappers.js';

beforeEach(() => resetNames());

const rows = (model: Functional) => summarize(model).rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`);
const shapes = (out: SymbolicTensor | SymbolicTensor[]) => (Array.isArray(out) ? out.map((t) => t.shape) : out.shape);

/** The seed guides' 784 → 64 → 64 → 10 softmax classifier. */
function classifier() {
  const inputs = Input({ shape: [784] });
  let x = layers.Dense(64, { activation: 'relu' })(inputs);
  x = layers.Dense(64, { activation: 'relu' })(x);
  const predictions = layers.Dense(10, { activation: 'softmax' })(x);
  return new Functional({ inputs, outputs: predictions, name: 'classifier' });
}

describe('TimeDistributed', () => {
  it('applies a Dense to every timestep with the Dense weights', () => {
    const dense = layers.Dense(8);
    const td = layers.TimeDistributed(dense);
    const y = td(Input({ shape: [10, 16] })) as SymbolicTensor;
    expect(y.shape).toEqual([null, 10, 8]);
    expect(td.name).toBe('time_distributed');
    // The Dense is built for one step (batch, 16): 16·8 + 8
    expect(dense.kernel!.shape).toEqual([16, 8]);
    expect(td.countParams()).toBe(136);
    expect(td.weights).toEqual(dense.weights);
    expect(td.weights[0]).toBe(dense.kernel);
  });

  it('applies a whole model to every timestep, sharing its weights (seed guide)', () => {
    const model = classifier();
    const weightsBefore = [...model.weights];
    const xIn = Input({ shape: [784] });
    const y = model(xIn);
    const inputSequences = Input({ shape: [20, 784] });
    const td = layers.TimeDistributed(model);
    const processed = td(inputSequences) as SymbolicTensor;
    expect(processed.shape).toEqual([null, 20, 10]);
    // TimeDistributed(model) adds no weights: they are the model's, the same objects.
    expect(model.weights).toEqual(weightsBefore);
    expect(td.weights.length).toBe(weightsBefore.length);
    td.weights.forEach((w, i) => expect(w).toBe(weightsBefore[i]));
    // 784·64+64 + 64·64+64 + 64·10+10 = 55,050
    expect(td.countParams()).toBe(55050);

    const outer = new Functional({ inputs: inputSequences, outputs: processed, name: 'time_distributed_classifier' });
    expect(rows(outer)).toEqual(['input_layer_2 [(None, 20, 784)] 0', 'time_distributed (None, 20, 10) 55050']);
    // A model holding both the classifier and TimeDistributed(classifier) counts the weights once.
    const both = new Functional({ inputs: [inputSequences, xIn], outputs: [processed, y] });
    expect(summarize(both).totalParams).toBe(55050);
  });

  it('maps a model with several outputs, and keeps the inner output dtype', () => {
    const x = Input({ shape: [6] });
    const two = new Functional({ inputs: x, outputs: [layers.Dense(3)(x), layers.Dense(2)(x)] });
    expect(shapes(layers.TimeDistributed(two)(Input({ shape: [5, 6] })))).toEqual([
      [null, 5, 3],
      [null, 5, 2],
    ]);
    const ids = Input({ shape: [5, 10], dtype: 'int32' });
    const embedded = layers.TimeDistributed(layers.Embedding(100, 4))(ids) as SymbolicTensor;
    expect(embedded.shape).toEqual([null, 5, 10, 4]);
    expect(embedded.dtype).toBe('float32');
  });

  it('explains wrong inputs and wrong arguments', () => {
    expect(() => layers.TimeDistributed(layers.Dense(8), { name: 'td' })(Input({ shape: [16] }))).toThrow(
      '`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: (None, 16) (layer "td").',
    );
    const dense = layers.Dense(8, { name: 'd16' });
    dense(Input({ shape: [16] }));
    expect(() => layers.TimeDistributed(dense)(Input({ shape: [10, 9] }))).toThrow(
      'Input 0 of layer "d16" is incompatible with the layer: expected axis -1 of input shape to have value 16, but received input with shape (None, 9)',
    );
    expect(() => layers.TimeDistributed(classifier())(Input({ shape: [10, 100] }))).toThrow(
      'Input 0 of layer "classifier" is incompatible with the layer: expected shape=(None, 784), found shape=(None, 100)',
    );
    // An unbuilt Sequential is built for one timestep's shape, as Keras does.
    const perStep = layers.TimeDistributed(new Sequential([layers.Dense(2)], { name: 'no_input' }), { name: 'td2' });
    expect((perStep(Input({ shape: [3, 4] })) as SymbolicTensor).shape).toEqual([null, 3, 2]);
    expect(() => layers.TimeDistributed(layers.Dense as never)).toThrow(
      'did you pass a layer factory without calling it',
    );
    expect(() => layers.TimeDistributed({ layer: 'dense' } as never)).toThrow('with a layer instance as `layer`');
    expect(() => layers.TimeDistributed(layers.Dense(3), { units: 3 } as never)).toThrow(
      'Unrecognized option(s) passed to TimeDistributed: "units"',
    );
  });

  it('round-trips its config with the inner layer, and inside a model through JSON', () => {
    const td = layers.TimeDistributed(layers.Dense(8, { activation: 'relu' }), { name: 'per_step' });
    td(Input({ shape: [10, 16] }));
    const config = td.getConfig();
    expect(config).toMatchObject({
      name: 'per_step',
      layer: { module: 'keras.layers', class_name: 'Dense', config: { name: 'dense', units: 8, activation: 'relu' } },
    });
    const copy = TimeDistributed.fromConfig(config);
    expect(copy.getConfig()).toEqual(config);
    expect(copy.layer.className).toBe('Dense');

    const model = classifier();
    const seq = Input({ shape: [20, 784] });
    const out = layers.Dense(1)(layers.TimeDistributed(model)(seq));
    const outer = new Functional({ inputs: seq, outputs: out });
    const json = modelToJSON(outer);
    const restored = modelFromJSON(json);
    expect(modelToJSON(restored)).toBe(json);
    expect(rows(restored)).toEqual(rows(outer));
    const inner = (restored.getLayer('time_distributed') as TimeDistributed).layer as Functional;
    expect(inner.name).toBe('classifier');
    expect(inner.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  });
});

describe('Bidirectional', () => {
  it('matches the Keras guide: two Bidirectional LSTMs and a Dense', () => {
    const model = new Sequential([
      layers.Bidirectional(layers.LSTM(64, { returnSequences: true }), { inputShape: [5, 10] }),
      layers.Bidirectional(layers.LSTM(32)),
      layers.Dense(10),
    ]);
    // 2 · 4·(64·(10+64)+64) = 38,400; 2 · 4·(32·(128+32)+32) = 41,216; 64·10+10 = 650
    expect(rows(model)).toEqual([
      'bidirectional (None, 5, 128) 38400',
      'bidirectional_1 (None, 64) 41216',
      'dense (None, 10) 650',
    ]);
    expect(summarize(model).totalParams).toBe(80266);
  });

  it('makes fresh forward_ and backward_ copies, the backward one going backwards', () => {
    const lstm = layers.LSTM(16);
    const bi = layers.Bidirectional(lstm);
    bi(Input({ shape: [7, 4] }));
    expect(bi.forwardLayer.name).toBe('forward_lstm');
    expect(bi.backwardLayer.name).toBe('backward_lstm');
    expect(bi.forwardLayer.goBackwards).toBe(false);
    expect(bi.backwardLayer.goBackwards).toBe(true);
    expect(bi.forwardLayer).not.toBe(lstm);
    expect(lstm.built).toBe(false);
    // Twice 4·(16·(4+16)+16) = 1,344
    expect(bi.countParams()).toBe(2 * 1344);
    expect(bi.weights.length).toBe(6);
    expect(new Set(bi.weights).size).toBe(6);
    expect(bi.sublayers()).toEqual([bi.forwardLayer, bi.backwardLayer]);
  });

  it('merges by concat, sum, mul, ave, or returns both with null', () => {
    const x = Input({ shape: [7, 4] });
    const merged = (mergeMode: 'concat' | 'sum' | 'mul' | 'ave' | null, returnSequences = false) =>
      shapes(layers.Bidirectional(layers.GRU(6, { returnSequences }), { mergeMode })(x));
    expect(merged('concat')).toEqual([null, 12]);
    expect(merged('sum')).toEqual([null, 6]);
    expect(merged('mul')).toEqual([null, 6]);
    expect(merged('ave', true)).toEqual([null, 7, 6]);
    expect(merged(null)).toEqual([
      [null, 6],
      [null, 6],
    ]);
    expect(merged(null, true)).toEqual([
      [null, 7, 6],
      [null, 7, 6],
    ]);
  });

  it('returns the merged output and both directions’ states with returnState', () => {
    const x = Input({ shape: [7, 4] });
    const out = layers.Bidirectional(layers.LSTM(5, { returnState: true }))(x);
    // [output, forward h, forward c, backward h, backward c]
    expect(shapes(out)).toEqual([[null, 10], [null, 5], [null, 5], [null, 5], [null, 5]]);
    const apart = layers.Bidirectional(layers.GRU(5, { returnState: true, returnSequences: true }), { mergeMode: null })(x);
    expect(shapes(apart)).toEqual([[null, 7, 5], [null, 7, 5], [null, 5], [null, 5]]);
  });

  it('splits initialState into the forward and backward halves', () => {
    const x = Input({ shape: [7, 4] });
    const h = Input({ shape: [5] });
    const bi = layers.Bidirectional(layers.LSTM(5), { name: 'bi' });
    expect(shapes(bi(x, { initialState: [h, h, h, h] }))).toEqual([null, 10]);
    expect(bi.inboundNodes[0]!.parentTensors.length).toBe(5);
    expect(() => layers.Bidirectional(layers.LSTM(5), { name: 'bi2' })(x, { initialState: [h, h] })).toThrow(
      'Layer "bi2" expects `initialState` to hold the forward layer\'s states then the backward layer\'s states: 4 tensors [forward h, forward c, backward h, backward c]; received 2.',
    );
    const wrong = Input({ shape: [3] });
    expect(() => layers.Bidirectional(layers.GRU(5), { name: 'bi3' })(x, { initialState: [h, wrong] })).toThrow(
      'Initial state 0 (h) of layer "backward_gru" has shape (None, 3), but the layer expects shape (None, 5) (batch, units).',
    );
  });

  it('takes a custom backward layer and checks that the two directions agree', () => {
    const x = Input({ shape: [7, 4] });
    const backward = layers.LSTM(8, { goBackwards: true, activation: 'relu', name: 'back' });
    const bi = layers.Bidirectional(layers.LSTM(8), { backwardLayer: backward });
    expect(shapes(bi(x))).toEqual([null, 16]);
    expect(bi.backwardLayer).toBe(backward);
    expect(() => layers.Bidirectional(layers.LSTM(8), { name: 'same', backwardLayer: layers.LSTM(8) })).toThrow(
      'Forward layer and backward layer of "same" should have different `goBackwards` values. Received: forward_layer.go_backwards=false, backward_layer.go_backwards=false',
    );
    expect(() =>
      layers.Bidirectional(layers.LSTM(8), {
        name: 'mixed',
        backwardLayer: layers.LSTM(8, { goBackwards: true, returnSequences: true }),
      }),
    ).toThrow(
      'Forward layer and backward layer of "mixed" are expected to have the same value for attribute "returnSequences", got "false" for forward layer and "true" for backward layer',
    );
    expect(() =>
      layers.Bidirectional(layers.LSTM(8), { mergeMode: 'sum', backwardLayer: layers.LSTM(4, { goBackwards: true }), name: 'uneven' })(x),
    ).toThrow('Layer "uneven" cannot merge the forward output (None, 8) and the backward output (None, 4) with merge_mode="sum"');
  });

  it('rejects bad merge modes and layers that are not recurrent', () => {
    expect(() => layers.Bidirectional(layers.LSTM(8), { mergeMode: 'max' as never, name: 'b' })).toThrow(
      'Invalid merge mode for layer "b". Received: "max". Merge mode should be one of "sum", "mul", "ave", "concat", null.',
    );
    expect(() => layers.Bidirectional(layers.Dense(8), { name: 'b2' })).toThrow(
      '`Bidirectional` (layer "b2") needs a recurrent layer (SimpleRNN, LSTM, GRU, or a layer with goBackwards, returnSequences, returnState and stateful) as `layer`; received Dense layer "dense", which has no goBackwards, returnSequences, returnState, stateful.',
    );
    expect(() => layers.Bidirectional(layers.LSTM as never)).toThrow('did you pass a layer factory without calling it');
    expect(() => layers.Bidirectional(layers.LSTM(8), { name: 'bi_rank' })(Input({ shape: [8] }))).toThrow(
      'Input 0 of layer "bi_rank" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 8)',
    );
  });

  it('round-trips its config with both directions', () => {
    const bi = layers.Bidirectional(layers.LSTM(8, { returnSequences: true }), { mergeMode: null });
    bi(Input({ shape: [7, 4] }));
    const config = bi.getConfig();
    expect(config).toMatchObject({
      name: 'bidirectional',
      merge_mode: null,
      layer: { class_name: 'LSTM', config: { name: 'forward_lstm', go_backwards: false, zero_output_for_mask: true } },
      backward_layer: { class_name: 'LSTM', config: { name: 'backward_lstm', go_backwards: true, zero_output_for_mask: true } },
    });
    const copy = Bidirectional.fromConfig(config);
    // A config rebuilds the layer unbuilt; built on the same shape it describes itself identically.
    copy(Input({ shape: [7, 4] }));
    expect(copy.getConfig()).toEqual(config);
    expect(copy.mergeMode).toBe(null);
    expect(copy.forwardLayer).toBeInstanceOf(LSTM);

    const custom = layers.Bidirectional(layers.GRU(3), { backwardLayer: layers.GRU(3, { goBackwards: true, name: 'back' }) });
    const customConfig = custom.getConfig();
    expect((customConfig.backward_layer as { config: { name: string } }).config.name).toBe('back');
    expect(Bidirectional.fromConfig(customConfig).getConfig()).toEqual(customConfig);
  });

  it('builds the Keras IMDB bidirectional LSTM model and round-trips it through JSON', () => {
    const inputs = Input({ shape: [null], dtype: 'int32' });
    let x = layers.Embedding(20000, 128)(inputs);
    x = layers.Bidirectional(layers.LSTM(64, { returnSequences: true }))(x);
    x = layers.Bidirectional(layers.LSTM(64))(x);
    const outputs = layers.Dense(1, { activation: 'sigmoid' })(x);
    const model = new Functional({ inputs, outputs });
    // 20000·128; twice 4·(64·(128+64)+64) per Bidirectional; 128+1
    expect(rows(model)).toEqual([
      'input_layer [(None, None)] 0',
      'embedding (None, None, 128) 2560000',
      'bidirectional (None, None, 128) 98816',
      'bidirectional_1 (None, 128) 98816',
      'dense (None, 1) 129',
    ]);
    expect(summarize(model).totalParams).toBe(2757761);
    const json = modelToJSON(model);
    const restored = modelFromJSON(json);
    expect(modelToJSON(restored)).toBe(json);
    expect(rows(restored)).toEqual(rows(model));
  });
});
