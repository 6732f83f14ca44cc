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
import { Masking } from '../../../electron/engine/layers/core.js';

beforeEach(() => resetNames());

/** A (batch, 6, 4) float sequence with a mask, from token ids. */
function maskedSequence(): SymbolicTensor {
  return layers.Embedding(10, 4, { maskZero: true })(Input({ shape: [6], dtype: 'int32' })) as SymbolicTensor;
}

const masked = (t: unknown) => (Array.isArray(t) ? t.map((x: SymbolicTensor) => x.hasMask) : (t as SymbolicTensor).hasMask);

describe('which tensors carry a mask (Keras 3 compute_mask)', () => {
  it('Embedding makes one with maskZero; inputs and other embeddings have none', () => {
    const ids = Input({ shape: [6], dtype: 'int32' });
    expect(ids.hasMask).toBe(false);
    expect(masked(layers.Embedding(10, 4, { maskZero: true })(ids))).toBe(true);
    expect(masked(layers.Embedding(10, 4)(ids))).toBe(false);
  });

  it('layers that support masking pass it on: Dense, Activation, Dropout, normalization, element-wise activations, TimeDistributed', () => {
    const x = maskedSequence();
    for (const layer of [
      layers.Dense(3),
      layers.Activation('relu'),
      layers.Dropout(0.5),
      layers.LayerNormalization(),
      layers.BatchNormalization(),
      layers.ReLU(),
      layers.LeakyReLU(),
      layers.TimeDistributed(layers.Dense(2)),
    ]) {
      expect(masked(layer(x)), layer.className).toBe(true);
    }
  });

  it('layers that do not support masking drop it: Flatten, Conv1D, Reshape, GlobalMaxPooling1D, Softmax', () => {
    const x = maskedSequence();
    for (const layer of [layers.Flatten(), layers.Conv1D(2, 3), layers.Reshape([24]), layers.GlobalMaxPooling1D(), layers.Softmax()]) {
      expect(masked(layer(x)), layer.className).toBe(false);
    }
  });

  it('GlobalAveragePooling1D uses the mask and ends it', () => {
    expect(masked(layers.GlobalAveragePooling1D()(maskedSequence()))).toBe(false);
  });

  it('a recurrent layer passes it on with its output sequence only, never with its states', () => {
    const x = maskedSequence();
    expect(masked(layers.LSTM(3, { returnSequences: true })(x))).toBe(true);
    expect(masked(layers.LSTM(3)(x))).toBe(false);
    expect(masked(layers.GRU(3, { returnSequences: true, returnState: true })(x))).toEqual([true, false]);
    expect(masked(layers.LSTM(3, { returnState: true })(x))).toEqual([false, false, false]);
    expect(masked(layers.SimpleRNN(3, { returnSequences: true })(layers.Dense(3)(Input({ shape: [6, 4] }))))).toBe(false);
  });

  it('Bidirectional likewise, and with each of its two outputs when it does not merge them', () => {
    const x = maskedSequence();
    expect(masked(layers.Bidirectional(layers.LSTM(3, { returnSequences: true }))(x))).toBe(true);
    expect(masked(layers.Bidirectional(layers.LSTM(3))(x))).toBe(false);
    expect(masked(layers.Bidirectional(layers.GRU(3, { returnSequences: true }), { mergeMode: null })(x))).toEqual([true, true]);
    expect(masked(layers.Bidirectional(layers.GRU(3, { returnSequences: true, returnState: true }))(x))).toEqual([true, false, false]);
  });

  it('merges: element-wise ones keep a mask if any input has one; Concatenate on the last axis too; Dot never', () => {
    const a = maskedSequence();
    const plain = layers.Dense(4)(Input({ shape: [6, 4] })) as SymbolicTensor;
    expect(masked(layers.Add()([a, plain]))).toBe(true);
    expect(masked(layers.Multiply()([plain, plain]))).toBe(false);
    expect(masked(layers.Concatenate()([plain, a]))).toBe(true);
    expect(masked(layers.Concatenate({ axis: 1 })([plain, a]))).toBe(false);
    expect(masked(layers.Dot(2)([a, a]))).toBe(false);
  });

  it('a nested model gives its outputs the masks its own graph gives them', () => {
    const inner = new Sequential([Input({ shape: [6], dtype: 'int32' }), layers.Embedding(10, 4, { maskZero: true }), layers.Dense(2)]);
    const outer = Input({ shape: [6], dtype: 'int32' });
    expect(masked(inner(outer))).toBe(true);

    const seq = Input({ shape: [6, 4] });
    const passThrough = new Functional({ inputs: seq, outputs: layers.Dense(2)(seq) });
    expect(masked(passThrough(maskedSequence()))).toBe(true);
    expect(masked(passThrough(Input({ shape: [6, 4] })))).toBe(false);
  });

  it('masks are recomputed when a model is rebuilt from JSON', () => {
    const ids = Input({ shape: [6], dtype: 'int32' });
    const seq = layers.LSTM(3, { returnSequences: true })(layers.Embedding(10, 4, { maskZero: true })(ids)) as SymbolicTensor;
    const restored = modelFromJSON(modelToJSON(new Functional({ inputs: ids, outputs: seq })));
    expect(restored.outputs.map((t) => t.hasMask)).toEqual([true]);
  });
});

describe('Masking', () => {
  it('masks steps whose features all equal maskValue; its output carries the mask; no weights', () => {
    const x = Input({ shape: [6, 3] });
    const masking = layers.Masking({ maskValue: -1 });
    const y = masking(x) as SymbolicTensor;
    expect(y.shape).toEqual([null, 6, 3]);
    expect(y.hasMask).toBe(true);
    expect(masking.weights).toEqual([]);
    expect(masking.maskValue).toBe(-1);
    expect(layers.Masking().maskValue).toBe(0);
    expect(layers.Masking(0.5).maskValue).toBe(0.5);
  });

  it('writes Keras\' config and round-trips as the first layer of a Sequential model', () => {
    const model = new Sequential([layers.Masking({ maskValue: 0, inputShape: [5, 2] }), layers.LSTM(3)]);
    const config = (model.layers[0] as Masking).getConfig();
    expect(config).toEqual({
      name: 'masking',
      trainable: true,
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      batch_input_shape: [null, 5, 2],
      mask_value: 0,
    });
    const json = modelToJSON(model);
    const restored = modelFromJSON(json);
    expect(modelToJSON(restored)).toBe(json);
    // lstm: 4·(3·(2+3)+3)
    expect(summarize(restored).rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual(['masking (None, 5, 2) 0', 'lstm (None, 3) 72']);
  });

  it('rejects a maskValue that is not a number and misspelt options, naming the layer', () => {
    expect(() => layers.Masking({ maskValue: 'zero' as never, name: 'm' })).toThrow(
      'Invalid value received for argument `maskValue` of layer "m". Expected a number. Received: maskValue="zero"',
    );
    expect(() => layers.Masking({ mask_value: 0 } as never)).toThrow('Unrecognized option(s) passed to Masking: "mask_value"');
  });
});
