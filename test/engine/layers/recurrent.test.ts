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
import { GRU, LSTM, SimpleRNN } from '../../../electron/engine/layers/recurrent.js';

beforeEach(() => resetNames());

const rows = (model: Functional) => summarize(model).rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`);
const weightSpecs = (layer: { weights: Array<{ path: string; shape: number[] }> }) =>
  layer.weights.map((w) => `${w.path} ${JSON.stringify(w.shape)}`);

describe('LSTM', () => {
  it('has Keras weights in its cell and 69,760 params for LSTM(32) on 512 features', () => {
    const x = Input({ shape: [100, 512] });
    const lstm = layers.LSTM(32);
    const y = lstm(x) as SymbolicTensor;
    expect(y.shape).toEqual([null, 32]);
    // 4 gates · (32 · (512 + 32) + 32) = 69,760
    expect(lstm.countParams()).toBe(69760);
    expect(weightSpecs(lstm)).toEqual([
      'lstm_cell/kernel [512,128]',
      'lstm_cell/recurrent_kernel [32,128]',
      'lstm_cell/bias [128]',
    ]);
    expect(lstm.sublayers()).toEqual([lstm.cell]);
    expect(lstm.weights.map((w) => w.initializer.class_name)).toEqual(['GlorotUniform', 'Orthogonal', 'Zeros']);
    expect(lstm.cell.unitForgetBias).toBe(true);
  });

  it('builds the Keras RNN guide model: Embedding(1000, 64) → LSTM(128) → Dense(10)', () => {
    const model = new Sequential([Input({ shape: [null] }), layers.Embedding(1000, 64), layers.LSTM(128), layers.Dense(10)]);
    // embedding 1000·64; lstm 4·(128·(64+128)+128); dense 128·10+10
    expect(rows(model)).toEqual(['embedding (None, None, 64) 64000', 'lstm (None, 128) 98816', 'dense (None, 10) 1290']);
    expect(summarize(model).totalParams).toBe(164106);
  });

  it('returns sequences and states: [output, h, c]', () => {
    const x = Input({ shape: [10, 8] });
    expect((layers.LSTM(4, { returnSequences: true })(x) as SymbolicTensor).shape).toEqual([null, 10, 4]);
    const out = layers.LSTM(4, { returnState: true })(x) as SymbolicTensor[];
    expect(out.map((t) => t.shape)).toEqual([[null, 4], [null, 4], [null, 4]]);
    const both = layers.LSTM(4, { returnSequences: true, returnState: true })(x) as SymbolicTensor[];
    expect(both.map((t) => t.shape)).toEqual([[null, 10, 4], [null, 4], [null, 4]]);
  });

  it('takes its states from another LSTM (Keras encoder-decoder guide) and round-trips through JSON', () => {
    const encoderInput = Input({ shape: [null] });
    const encoderEmbedded = layers.Embedding(1000, 64)(encoderInput);
    const [, stateH, stateC] = layers.LSTM(64, { returnState: true, name: 'encoder' })(encoderEmbedded) as SymbolicTensor[];
    const decoderInput = Input({ shape: [null] });
    const decoderEmbedded = layers.Embedding(2000, 64)(decoderInput);
    const decoder = layers.LSTM(64, { name: 'decoder' });
    const decoderOutput = decoder(decoderEmbedded, { initialState: [stateH!, stateC!] });
    const output = layers.Dense(10)(decoderOutput);
    const model = new Functional({ inputs: [encoderInput, decoderInput], outputs: output });

    // The states are graph edges of the decoder's call.
    expect(decoder.inboundNodes[0]!.parentTensors).toEqual([decoderEmbedded, stateH, stateC]);
    // embeddings 1000·64 and 2000·64; each LSTM 4·(64·(64+64)+64) = 33,024; dense 64·10+10
    expect(rows(model)).toEqual([
      'input_layer [(None, None)] 0',
      'input_layer_1 [(None, None)] 0',
      'embedding (None, None, 64) 64000',
      'embedding_1 (None, None, 64) 128000',
      'encoder [(None, 64), (None, 64), (None, 64)] 33024',
      'decoder (None, 64) 33024',
      'dense (None, 10) 650',
    ]);
    expect(summarize(model).totalParams).toBe(258698);

    const json = modelToJSON(model);
    const decoderEntry = (JSON.parse(json).config.layers as Array<Record<string, any>>).find((l) => l.name === 'decoder')!;
    expect(decoderEntry.inbound_nodes[0].kwargs.initial_state.map((t: any) => t.config.keras_history)).toEqual([
      ['encoder', 0, 1],
      ['encoder', 0, 2],
    ]);
    const restored = modelFromJSON(json);
    expect(modelToJSON(restored)).toBe(json);
    expect(summarize(restored).totalParams).toBe(258698);
    expect((restored.getLayer('decoder').inboundNodes[0]!.parentTensors).map((t) => t.history)).toEqual([
      ['embedding_1', 0, 0],
      ['encoder', 0, 1],
      ['encoder', 0, 2],
    ]);
  });

  it('checks initialState: count, shapes and kind', () => {
    const x = Input({ shape: [10, 8] });
    const h = Input({ shape: [16] });
    const wrongH = Input({ shape: [12] });
    expect(() => layers.LSTM(16, { name: 'dec' })(x, { initialState: [h] })).toThrow(
      'Layer "dec" expects 2 initial state(s) [h, c], each of shape (None, 16), but it received 1 initial state(s) with shapes [(None, 16)].',
    );
    expect(() => layers.LSTM(16, { name: 'dec2' })(x, { initialState: [h, wrongH] })).toThrow(
      'Initial state 1 (c) of layer "dec2" has shape (None, 12), but the layer expects shape (None, 16) (batch, units).',
    );
    expect(() => layers.GRU(16, { name: 'g' })(x, { initialState: [h, h] })).toThrow('Layer "g" expects 1 initial state(s) [h]');
    expect(() => layers.LSTM(16, { name: 'dec3' })(x, { initialState: [[1, 2], h] })).toThrow(
      'Layer "dec3" expects `initialState` to be a list of symbolic tensors [h, c]',
    );
    expect(() => layers.LSTM(16, { name: 'dec4' })(x, { initial_state: [h, h] })).toThrow(
      'Layer "dec4" got unexpected call argument(s) "initial_state"; it takes initialState, mask, training.',
    );
    // A single state tensor is accepted for one-state layers, as in Keras.
    expect((layers.SimpleRNN(16)(x, { initialState: h }) as SymbolicTensor).shape).toEqual([null, 16]);
  });

  it('requires 3-D input and keeps the feature size it was built with', () => {
    expect(() => layers.LSTM(4)(Input({ shape: [20] }))).toThrow(
      'Input 0 of layer "lstm" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 20)',
    );
    const lstm = layers.LSTM(4, { name: 'shared' });
    lstm(Input({ shape: [10, 8] }));
    expect(() => lstm(Input({ shape: [10, 9] }))).toThrow(
      'Input 0 of layer "shared" is incompatible with the layer: expected axis -1 of input shape to have value 8, but received input with shape (None, 10, 9)',
    );
    expect(() => layers.LSTM(4, { name: 'nofeat' })(Input({ shape: [10, null] }))).toThrow(
      'The last dimension of the inputs to layer "nofeat" should be defined. Found None.',
    );
  });

  it('rejects bad options with messages naming the layer', () => {
    expect(() => layers.LSTM(0, { name: 'l' })).toThrow(
      'Received an invalid value for `units` of layer "l", expected a positive integer. Received: units=0',
    );
    expect(() => layers.LSTM(8, { returnSequence: true } as never)).toThrow('Unrecognized option(s) passed to LSTM: "returnSequence"');
    expect(() => layers.SimpleRNN(8, { recurrentActivation: 'sigmoid' } as never)).toThrow(
      'Unrecognized option(s) passed to SimpleRNN: "recurrentActivation"',
    );
    expect(() => layers.GRU(8, { unitForgetBias: true } as never)).toThrow('Unrecognized option(s) passed to GRU: "unitForgetBias"');
    expect(() => layers.LSTM(8, { name: 'd', dropout: 1.5 })).toThrow(
      'Invalid value received for argument `dropout` of layer "d". Expected a float value between 0 and 1. Received: dropout=1.5',
    );
    expect(() => layers.LSTM(8, { name: 'a', activation: 'relux' })).toThrow('Unknown activation for layer "a"');
    expect(() => layers.LSTM(8, { name: 'b', returnSequences: 'yes' as never })).toThrow(
      'Expected a boolean for `returnSequences` of layer "b"; received "yes".',
    );
    expect(() => layers.LSTM(8, { name: 'c', useCudnn: 'yes' as never })).toThrow(
      'Invalid value received for argument `useCudnn` of layer "c"',
    );
    expect(() => layers.GRU(8, { name: 'i', recurrentInitializer: 'orthogonall' })).toThrow(
      'Unknown initializer for recurrentInitializer of "i"',
    );
  });

  it('needs a static batch size when stateful and known timesteps when unrolled', () => {
    expect(() => layers.LSTM(4, { stateful: true, name: 's' })(Input({ shape: [10, 8] }))).toThrow(
      'When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape=(None, 10, 8)',
    );
    const stateful = layers.LSTM(4, { stateful: true })(Input({ batchShape: [32, 10, 8] })) as SymbolicTensor;
    expect(stateful.shape).toEqual([32, 4]);
    expect(() => layers.GRU(4, { unroll: true, name: 'u' })(Input({ shape: [null, 8] }))).toThrow(
      'Cannot unroll a RNN if the time dimension is undefined (layer "u"',
    );
  });

  it('writes the flat Keras 3 config and rebuilds from it', () => {
    const lstm = layers.LSTM(32, { returnSequences: true, dropout: 0.25, seed: 7, unitForgetBias: false, name: 'enc' });
    const config = lstm.getConfig();
    expect(Object.keys(config)).toEqual([
      'name', 'trainable', 'dtype',
      'return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask',
      'units', 'activation', 'recurrent_activation', 'use_bias',
      'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'unit_forget_bias',
      'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
      'kernel_constraint', 'recurrent_constraint', 'bias_constraint',
      'dropout', 'recurrent_dropout', 'seed',
    ]);
    expect(config).toMatchObject({
      return_sequences: true,
      units: 32,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      recurrent_initializer: { module: 'keras.initializers', class_name: 'Orthogonal', config: { seed: null, gain: 1 } },
      unit_forget_bias: false,
      dropout: 0.25,
      seed: 7,
    });
    expect(config).not.toHaveProperty('cell');
    expect(LSTM.fromConfig(config).getConfig()).toEqual(config);

    const gru = layers.GRU(8, { resetAfter: false, goBackwards: true, activation: null });
    const gruConfig = gru.getConfig();
    expect(gruConfig).toMatchObject({ reset_after: false, go_backwards: true, activation: 'linear' });
    expect(Object.keys(gruConfig).slice(-3)).toEqual(['recurrent_dropout', 'reset_after', 'seed']);
    expect(GRU.fromConfig(gruConfig).getConfig()).toEqual(gruConfig);

    const rnn = layers.SimpleRNN({ units: 5, useBias: false, activation: 'relu' });
    const rnnConfig = rnn.getConfig();
    expect(rnnConfig).not.toHaveProperty('recurrent_activation');
    expect(rnnConfig).not.toHaveProperty('seed');
    expect(SimpleRNN.fromConfig(rnnConfig).getConfig()).toEqual(rnnConfig);
  });

  it('loads a Keras 2 style config (time_major, implementation)', () => {
    const lstm = LSTM.fromConfig({
      name: 'lstm_k2',
      trainable: true,
      dtype: 'float32',
      return_sequences: false,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
      time_major: false,
      units: 16,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      unit_forget_bias: true,
      dropout: 0.0,
      recurrent_dropout: 0.0,
      implementation: 2,
    });
    lstm.apply(Input({ shape: [5, 4] }));
    // 4 · (16 · (4 + 16) + 16)
    expect(lstm.countParams()).toBe(1344);
  });
});

describe('GRU and SimpleRNN', () => {
  it('match the Keras guide counts: GRU(256, returnSequences) → SimpleRNN(128)', () => {
    const model = new Sequential([
      Input({ shape: [null] }),
      layers.Embedding(1000, 64),
      layers.GRU(256, { returnSequences: true }),
      layers.SimpleRNN(128),
      layers.Dense(10),
    ]);
    // gru (reset_after): 3·(256·(64+256) + 2·256); simple_rnn: 128·(256+128) + 128
    expect(rows(model)).toEqual([
      'embedding (None, None, 64) 64000',
      'gru (None, None, 256) 247296',
      'simple_rnn (None, 128) 49280',
      'dense (None, 10) 1290',
    ]);
  });

  it('keeps the GRU bias as [2, 3·units] with resetAfter and [3·units] without', () => {
    const x = Input({ shape: [7, 10] });
    const gru = layers.GRU(4);
    gru(x);
    expect(weightSpecs(gru)).toEqual(['gru_cell/kernel [10,12]', 'gru_cell/recurrent_kernel [4,12]', 'gru_cell/bias [2,12]']);
    // 3·(4·(10+4) + 2·4) = 192
    expect(gru.countParams()).toBe(192);
    const classic = layers.GRU(4, { resetAfter: false });
    classic(x);
    // 3·(4·(10+4) + 4) = 180
    expect(classic.countParams()).toBe(180);
    expect(weightSpecs(classic)[2]).toBe('gru_cell/bias [12]');
  });

  it('returns [output, h] with returnState', () => {
    const x = Input({ shape: [7, 10] });
    expect((layers.GRU(4, { returnState: true })(x) as SymbolicTensor[]).map((t) => t.shape)).toEqual([[null, 4], [null, 4]]);
    expect(
      (layers.SimpleRNN(3, { returnState: true, returnSequences: true })(x) as SymbolicTensor[]).map((t) => t.shape),
    ).toEqual([[null, 7, 3], [null, 3]]);
  });

  it('passes trainable and dtype to the cell', () => {
    const rnn = layers.SimpleRNN(3, { trainable: false });
    rnn(Input({ shape: [7, 10] }));
    expect(rnn.cell.trainable).toBe(false);
    expect(rnn.trainableWeights).toEqual([]);
    // 3·(10+3) + 3
    expect(rnn.nonTrainableWeights.reduce((n, w) => n + w.size, 0)).toBe(42);
  });
});
