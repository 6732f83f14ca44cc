import { beforeEach, describe, expect, it } from 'vitest';
import { Functional, Input, resetNames, summarize, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';

beforeEach(() => resetNames());

describe('layer nodes (the guides\' "concept of layer node")', () => {
  it('gives a layer called twice two nodes, reachable with getOutputAt', () => {
    const a = Input({ shape: [784] });
    const b = Input({ shape: [784] });
    const dense = layers.Dense(32);
    const ya = dense(a) as SymbolicTensor;
    const yb = dense(b) as SymbolicTensor;
    expect(dense.inboundNodes).toHaveLength(2);
    expect(dense.getOutputAt(0)).toBe(ya);
    expect(dense.getOutputAt(1)).toBe(yb);
    expect(dense.getInputAt(1)).toBe(b);
    expect(() => dense.output).toThrow(/multiple inbound nodes.*getOutputAt\(nodeIndex\)/);
    // Both nodes have the same shapes, so the shape properties stay defined, as in Keras.
    expect(dense.outputShape).toEqual([null, 32]);
    expect(() => dense.getOutputAt(2)).toThrow(/node 2.*only 2 inbound node/);
  });

  it('refuses inputShape / outputShape when the nodes differ, and points to the ...At form', () => {
    const a = Input({ shape: [32, 32, 3] });
    const b = Input({ shape: [64, 64, 3] });
    const dense = layers.Dense(16);
    dense(a);
    expect(dense.inputShape).toEqual([null, 32, 32, 3]);
    dense(b);
    expect(() => dense.inputShape).toThrow(/different input shapes.*getInputShapeAt\(nodeIndex\)/);
    expect(() => dense.outputShape).toThrow(/getOutputShapeAt/);
    expect(dense.getInputShapeAt(0)).toEqual([null, 32, 32, 3]);
    expect(dense.getInputShapeAt(1)).toEqual([null, 64, 64, 3]);
    expect(dense.getOutputShapeAt(1)).toEqual([null, 64, 64, 16]);
  });

  it('says a layer that was never called has no output', () => {
    expect(() => layers.Dense(3).output).toThrow(/never been called/);
  });

  it('shares weights between the calls of a shared layer', () => {
    const a = Input({ shape: [10] });
    const b = Input({ shape: [10] });
    const shared = layers.Dense(4);
    const model = new Functional({ inputs: [a, b], outputs: [shared(a), shared(b)] });
    // 10*4 + 4 counted once
    expect(summarize(model).totalParams).toBe(44);
    const row = summarize(model).rows.find((r) => r.name === shared.name)!;
    expect(row.inbound).toEqual(['input_layer[0][0]', 'input_layer_1[0][0]']);
  });
});

describe('models as layers', () => {
  function encoder() {
    const x = Input({ shape: [8], name: 'enc_in' });
    return new Functional({ inputs: x, outputs: layers.Dense(3, { name: 'code' })(x), name: 'encoder' });
  }

  it('reuse their weights when called on new inputs and add one node to the model only', () => {
    const enc = encoder();
    const a = Input({ shape: [8] });
    const b = Input({ shape: [8] });
    const ya = enc(a) as SymbolicTensor;
    enc(b);
    expect(ya.shape).toEqual([null, 3]);
    expect(enc.getLayer('code').inboundNodes).toHaveLength(1);
    // Keras 3 numbering: a model gets no node for its own graph, so its calls are nodes 0 and 1.
    expect(enc.inboundNodes).toHaveLength(2);
    const both = new Functional({ inputs: [a, b], outputs: [ya, enc.getOutputAt(1) as SymbolicTensor] });
    const s = summarize(both);
    expect(s.rows.find((r) => r.name === 'encoder')!.className).toBe('Functional');
    expect(s.totalParams).toBe(8 * 3 + 3);
  });

  it('check the shape of new inputs against their own', () => {
    const enc = encoder();
    expect(() => enc(Input({ shape: [9] }))).toThrow(
      'Input 0 of layer "encoder" is incompatible with the layer: expected shape=(None, 8), found shape=(None, 9)',
    );
  });

  it('accept inputs keyed by input name', () => {
    const enc = encoder();
    const y = enc({ enc_in: Input({ shape: [8] }) }) as SymbolicTensor;
    expect(y.shape).toEqual([null, 3]);
    expect(() => enc({ other: Input({ shape: [8] }) })).toThrow(/missing \["enc_in"\]/);
  });

  it('build a feature extractor from intermediate outputs of another model', () => {
    const inputs = Input({ shape: [16] });
    let x = layers.Dense(8, { activation: 'relu' })(inputs);
    x = layers.Dense(4, { activation: 'relu' })(x);
    const m = new Functional({ inputs, outputs: layers.Dense(2)(x) });
    const features = new Functional({ inputs: m.inputs, outputs: m.layers.map((l) => l.output as SymbolicTensor) });
    expect(features.outputs.map((t) => t.shape)).toEqual([[null, 16], [null, 8], [null, 4], [null, 2]]);
    expect(summarize(features).totalParams).toBe(summarize(m).totalParams);
  });
});

describe('graph errors', () => {
  it('name the input a disconnected model is missing', () => {
    const a = Input({ shape: [4], name: 'main_input' });
    const b = Input({ shape: [5], name: 'aux_input' });
    const merged = layers.Dense(2, { name: 'head' })(b);
    expect(() => new Functional({ inputs: a, outputs: merged })).toThrow(
      /Graph disconnected: cannot obtain value for tensor "aux_input".*at layer "head".*comes from the input "aux_input", which is not among the model's inputs/,
    );
  });

  it('refuse duplicate layer names in one model', () => {
    const a = Input({ shape: [4] });
    const y = layers.Dense(2, { name: 'same' })(layers.Dense(3, { name: 'same' })(a));
    expect(() => new Functional({ inputs: a, outputs: y })).toThrow(/The name "same" is used 2 times/);
  });

  it('refuse inputs that are not from Input()', () => {
    const a = Input({ shape: [4] });
    const h = layers.Dense(3)(a);
    expect(() => new Functional({ inputs: h, outputs: layers.Dense(1)(h) })).toThrow(/must be a tensor returned by `Input\(\)`/);
  });

  it('say what a layer received when it is not a tensor', () => {
    expect(() => layers.Dense(3)(42 as never)).toThrow(/Layer "dense" expects symbolic tensors.*input 0 is number 42/);
    expect(() => layers.Dense(3)(layers.Dense(2) as never)).toThrow(/the layer "dense_2" itself/);
  });

  it('reject misspelt options like Keras does', () => {
    expect(() => layers.Dense(3, { activaton: 'relu' } as never)).toThrow(/Unrecognized option\(s\) passed to Dense: "activaton"/);
    expect(() => layers.Dense(3, { activation: 'rellu' })).toThrow(/Unknown activation for layer "dense".*received "rellu"/);
    expect(() => layers.Dense(0)).toThrow(/expected a positive integer. Received: units=0/);
  });
});
