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
import { Embedding } from '../../../electron/engine/layers/embedding.js';

beforeEach(() => resetNames());

describe('Embedding', () => {
  it('embeds 100 int32 word ids into 512-d float vectors with 5,120,000 params (headline guide)', () => {
    const mainInput = Input({ shape: [100], dtype: 'int32', name: 'main_input' });
    const embedding = layers.Embedding(10000, 512, { inputLength: 100 });
    const y = embedding(mainInput) as SymbolicTensor;
    expect(y.shape).toEqual([null, 100, 512]);
    expect(y.dtype).toBe('float32');
    // 10000 · 512
    expect(embedding.countParams()).toBe(5120000);
    expect(embedding.weights.map((w) => `${w.path} ${JSON.stringify(w.shape)}`)).toEqual(['embedding/embeddings [10000,512]']);
    expect(embedding.embeddings!.initializer).toEqual({
      module: 'keras.initializers',
      class_name: 'RandomUniform',
      config: { seed: null, minval: -0.05, maxval: 0.05 },
      registered_name: null,
    });
  });

  it('takes variable-length sequences: (None, None) → (None, None, 64) with 640,000 params', () => {
    const text = Input({ shape: [null], dtype: 'int32', name: 'text' });
    const embedding = layers.Embedding(10000, 64);
    expect((embedding(text) as SymbolicTensor).shape).toEqual([null, null, 64]);
    // 10000 · 64
    expect(embedding.countParams()).toBe(640000);
  });

  it('appends outputDim to inputs of any rank and counts a shared table once', () => {
    const shared = layers.Embedding(1000, 128);
    const a = Input({ shape: [null], dtype: 'int32' });
    const b = Input({ shape: [4, 6], dtype: 'int32' });
    const ea = shared(a) as SymbolicTensor;
    const eb = shared(b) as SymbolicTensor;
    expect(eb.shape).toEqual([null, 4, 6, 128]);
    const model = new Functional({ inputs: [a, b], outputs: [ea, eb] });
    // 1000 · 128, counted once for two calls
    expect(summarize(model).totalParams).toBe(128000);
    expect(shared.inboundNodes.length).toBe(2);
  });

  it('accepts Keras 2 inputLength: it gives a Sequential model its input and is checked', () => {
    const model = new Sequential([layers.Embedding(1000, 64, { inputLength: 10 }), layers.LSTM(8)]);
    // 1000·64; 4·(8·(64+8)+8)
    expect(summarize(model).rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual([
      'embedding (None, 10, 64) 64000',
      'lstm (None, 8) 2336',
    ]);
    expect(() => layers.Embedding(1000, 64, { inputLength: 10, name: 'e' })(Input({ shape: [12] }))).toThrow(
      '"input_length" of layer "e" is 10, but received input has shape (None, 12)',
    );
    expect(layers.Embedding(1000, 64).getConfig()).not.toHaveProperty('input_length');
  });

  it('rejects bad options', () => {
    expect(() => layers.Embedding(0, 8, { name: 'e' })).toThrow(
      'Received an invalid value for `inputDim` of layer "e", expected a positive integer. Received: inputDim=0',
    );
    expect(() => layers.Embedding(10, undefined as never, { name: 'e2' })).toThrow(
      'Received an invalid value for `outputDim` of layer "e2", expected a positive integer. Received: outputDim=undefined',
    );
    expect(() => layers.Embedding(10, 8, { maskzero: true } as never)).toThrow('Unrecognized option(s) passed to Embedding: "maskzero"');
    expect(() => layers.Embedding(10, 8, { maskZero: 'yes' as never, name: 'e3' })).toThrow(
      'Expected a boolean for `maskZero` of layer "e3"; received "yes".',
    );
    expect(() => layers.Embedding(10, 8, { embeddingsInitializer: 'unifrom', name: 'e4' })).toThrow(
      'Unknown initializer for embeddingsInitializer of "e4"',
    );
    expect(() => layers.Embedding(10, 8, 4 as never)).toThrow('Embedding() takes the positional argument(s) inputDim, outputDim');
  });

  it('writes the Keras 3 config and rebuilds from it, also from a Keras 2 config', () => {
    const embedding = layers.Embedding({ inputDim: 50, outputDim: 4, maskZero: true, embeddingsInitializer: 'normal' });
    const config = embedding.getConfig();
    expect(Object.keys(config)).toEqual([
      'name', 'trainable', 'dtype', 'input_dim', 'output_dim', 'embeddings_initializer',
      'embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint', 'mask_zero',
    ]);
    expect(config).toMatchObject({
      input_dim: 50,
      output_dim: 4,
      mask_zero: true,
      embeddings_initializer: { class_name: 'RandomNormal', config: { seed: null, mean: 0, stddev: 0.05 } },
    });
    expect(Embedding.fromConfig(config).getConfig()).toEqual(config);

    const keras2 = Embedding.fromConfig({
      name: 'embedding_k2',
      trainable: true,
      batch_input_shape: [null, 100],
      dtype: 'float32',
      input_dim: 10000,
      output_dim: 256,
      embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
      embeddings_regularizer: null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: false,
      input_length: 100,
    }) as Embedding;
    expect(keras2.batchInputShape).toEqual([null, 100]);
    keras2.apply(Input({ shape: [100], dtype: 'int32' }));
    expect(keras2.countParams()).toBe(2560000);
    // Recent Keras 3 versions write quantization_config: null.
    expect(Embedding.fromConfig({ ...config, name: 'q', quantization_config: null }).getConfig()).toEqual({ ...config, name: 'q' });
  });

  it('round-trips a model with an embedding through JSON', () => {
    const ids = Input({ shape: [null], dtype: 'int32' });
    const out = layers.Dense(2)(layers.LSTM(4)(layers.Embedding(300, 16, { maskZero: true })(ids)));
    const model = new Functional({ inputs: ids, outputs: out });
    const json = modelToJSON(model);
    const restored = modelFromJSON(json);
    expect(modelToJSON(restored)).toBe(json);
    // 300·16 + 4·(4·(16+4)+4) + 4·2+2
    expect(summarize(restored).totalParams).toBe(4800 + 336 + 10);
    expect((restored.getLayer('embedding') as Embedding).maskZero).toBe(true);
  });
});
