import { beforeEach, describe, expect, it } from 'vitest';
import {
  Functional,
  Input,
  ValueError,
  deserializeLayer,
  formatSummary,
  modelFromJSON,
  modelToJSON,
  resetNames,
  serializeLayer,
  summarize,
  type Layer,
  type SymbolicTensor,
} from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';

beforeEach(() => resetNames());

type T = SymbolicTensor;

/** The error a call throws (so that its message and layer can both be checked). */
function errorOf(f: () => unknown): ValueError {
  try {
    f();
  } catch (e) {
    return e as ValueError;
  }
  throw new Error('expected an error');
}

const ELEMENTWISE = ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'] as const;

describe('element-wise merges', () => {
  it.each(ELEMENTWISE)('%s keeps the common shape and has no weights', (cls) => {
    const a = Input({ shape: [9, 9, 64] });
    const b = Input({ shape: [9, 9, 64] });
    const layer = layers[cls]();
    const y = layer([a, b]) as T;
    expect(y.shape).toEqual([null, 9, 9, 64]);
    expect(layer.countParams()).toBe(0);
    expect(layer.weights).toEqual([]);
  });

  it.each(ELEMENTWISE)('%s names the shapes and the layer when they do not broadcast', (cls) => {
    const a = Input({ shape: [9, 9, 64] });
    const b = Input({ shape: [9, 9, 32] });
    const layer = layers[cls]();
    const err = errorOf(() => layer([a, b]));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toContain(
      'Inputs have incompatible shapes. Received shapes (None, 9, 9, 64) and (None, 9, 9, 32)',
    );
    expect(err.message).toContain(`"${layer.name}"`);
    expect(err.layerName).toBe(layer.name);
    // A failed call leaves the layer unbuilt and without nodes.
    expect(layer.built).toBe(false);
    expect(layer.inboundNodes).toHaveLength(0);
  });

  it.each(ELEMENTWISE)('%s called on a single tensor asks for a list of at least 2 inputs', (cls) => {
    const a = Input({ shape: [8] });
    const layer = layers[cls]();
    expect(() => layer(a)).toThrow(/should be called on a list of (at least|exactly) 2 inputs.*single input of shape \(None, 8\)/);
    expect(() => layer([a])).toThrow(/list of (at least|exactly) 2 inputs. Received 1 input/);
  });

  it('broadcasts as Keras does: axes after the batch axis align from the right, 1 stretches, None stays None', () => {
    const add = (...shapes: Array<Array<number | null>>) =>
      (layers.add(shapes.map((shape) => Input({ shape }))) as T).shape;
    expect(add([4, 5], [5])).toEqual([null, 4, 5]);
    expect(add([5], [4, 5])).toEqual([null, 4, 5]);
    expect(add([1, 5], [4, 1])).toEqual([null, 4, 5]);
    expect(add([null, 5], [7, 5])).toEqual([null, null, 5]);
    expect(add([3], [3], [1])).toEqual([null, 3]);
    expect(() => add([4, 5], [3])).toThrow('Received shapes (None, 4, 5) and (None, 3)');
  });

  it('takes any number of inputs except Subtract, which takes exactly 2', () => {
    const xs = [1, 2, 3].map(() => Input({ shape: [6] }));
    expect((layers.multiply(xs) as T).shape).toEqual([null, 6]);
    expect(() => layers.subtract(xs)).toThrow(
      'A `Subtract` layer should be called on a list of exactly 2 inputs. Received 3 input(s): input_shape=[(None, 6), (None, 6), (None, 6)]',
    );
  });

  it('refuses inputs with different known batch sizes', () => {
    const a = Input({ shape: [4], batchSize: 8 });
    const b = Input({ shape: [4], batchSize: 16 });
    const c = Input({ shape: [4] });
    expect(() => layers.add([a, b])).toThrow(
      'Cannot merge tensors with different batch sizes. Received tensors with shapes [(8, 4), (16, 4)]',
    );
    expect((layers.add([a, c]) as T).shape).toEqual([8, 4]);
  });

  it('takes no options of its own', () => {
    expect(() => layers.Add({ axis: 1 } as never)).toThrow(/Unrecognized option\(s\) passed to Add: "axis"/);
    expect(() => layers.add([Input({ shape: [2] }), Input({ shape: [2] })], 3 as never)).toThrow(/Add\(\) takes no positional arguments/);
  });
});

describe('Concatenate', () => {
  it('adds up the concatenation axis (last by default)', () => {
    const a = Input({ shape: [8, 8, 3] });
    const b = Input({ shape: [8, 8, 5] });
    expect((layers.Concatenate()([a, b]) as T).shape).toEqual([null, 8, 8, 8]);
    expect((layers.Concatenate({ axis: 1 })([a, a]) as T).shape).toEqual([null, 16, 8, 3]);
    expect((layers.Concatenate(2)([a, a]) as T).shape).toEqual([null, 8, 16, 3]);
    expect((layers.concatenate([a, b, a], { axis: -1 }) as T).shape).toEqual([null, 8, 8, 11]);
    expect((layers.concatenate([a, Input({ shape: [8, 8, null] })]) as T).shape).toEqual([null, 8, 8, null]);
  });

  it('refuses shapes that differ off the concatenation axis, with the Keras message', () => {
    const a = Input({ shape: [8, 8, 3] });
    const b = Input({ shape: [4, 4, 3] });
    const layer = layers.Concatenate({ axis: -1 });
    const err = errorOf(() => layer([a, b]));
    expect(err.message).toContain(
      'A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(None, 8, 8, 3), (None, 4, 4, 3)]',
    );
    expect(err.layerName).toBe('concatenate');
    expect(() => layers.concatenate([a, Input({ shape: [8, 3] })])).toThrow(/requires inputs with matching shapes/);
    expect(() => layers.concatenate([a, a], { axis: 4 })).toThrow(/axis 4 is out of range for inputs of rank 4/);
    // Unknown sizes off the axis match anything.
    expect((layers.concatenate([a, Input({ shape: [null, 8, 2] })]) as T).shape).toEqual([null, 8, 8, 5]);
  });

  it('asks for a list of inputs and an integer axis', () => {
    const a = Input({ shape: [4] });
    expect(() => layers.Concatenate()(a)).toThrow(
      /A `Concatenate` layer should be called on a list of at least 2 inputs. Received a single input of shape \(None, 4\)/,
    );
    expect(() => layers.Concatenate({ axis: 1.5 })).toThrow('Received: axis=1.5');
    expect(() => layers.Concatenate({ axes: 1 } as never)).toThrow(/Unrecognized option\(s\) passed to Concatenate: "axes"/);
    expect(() => layers.Concatenate(1, { axis: 1 } as never)).toThrow(/both by position and in its options/);
  });
});

describe('Dot', () => {
  it('gives Keras output shapes', () => {
    const a = Input({ shape: [8] });
    const b = Input({ shape: [8] });
    expect((layers.Dot(1)([a, b]) as T).shape).toEqual([null, 1]);
    expect((layers.dot([a, b]) as T).shape).toEqual([null, 1]); // axes default to -1 in dot()
    const x = Input({ shape: [3, 5] });
    const y = Input({ shape: [10, 3] });
    expect((layers.Dot({ axes: [1, 2] })([x, y]) as T).shape).toEqual([null, 5, 10]);
    expect((layers.dot([x, y], [-2, -1]) as T).shape).toEqual([null, 5, 10]);
    const q = Input({ shape: [7, 16] });
    const k = Input({ shape: [9, 16] });
    expect((layers.dot([q, k], 2) as T).shape).toEqual([null, 7, 9]);
  });

  it('checks the sizes along the axes and the number of inputs', () => {
    const a = Input({ shape: [5] });
    const b = Input({ shape: [6] });
    const layer = layers.Dot(1);
    const err = errorOf(() => layer([a, b]));
    expect(err.message).toContain(
      'Incompatible input shapes: axis values 5 (at axis 1) != 6 (at axis 1). Full input shapes: (None, 5), (None, 6)',
    );
    expect(err.layerName).toBe('dot');
    expect(() => layers.dot([a, a, a], 1)).toThrow(/A `Dot` layer should be called on a list of exactly 2 inputs/);
    expect(() => layers.Dot(1)(a)).toThrow(/list of exactly 2 inputs.*single input/);
    expect(() => layers.dot([a, a], 0)).toThrow(/non-batch axis/);
    expect(() => layers.dot([a, a], 2)).toThrow(/non-batch axis/);
  });

  it('validates its options as Keras does', () => {
    expect(() => layers.Dot('1' as never)).toThrow('Invalid type for argument `axes`');
    expect(() => layers.Dot([1, 2, 3] as never)).toThrow('it should contain two elements. Received: axes=[1,2,3]');
    expect(() => layers.Dot([1, 0.5] as never)).toThrow('list elements should be integers');
    expect(() => layers.Dot(1, { normalize: 'yes' } as never)).toThrow(/normalize.*boolean/);
  });

  it('passes normalize and name through the helper', () => {
    const a = Input({ shape: [4] });
    const y = layers.dot([a, a], 1, { normalize: true, name: 'cosine' }) as T;
    expect(y.sourceLayer.name).toBe('cosine');
    expect(y.sourceLayer.getConfig()).toMatchObject({ axes: 1, normalize: true });
  });
});

describe('merge configs', () => {
  function roundTrip(layer: Layer): void {
    const entry = serializeLayer(layer);
    expect(entry.module).toBe('keras.layers');
    const again = deserializeLayer(entry);
    expect(again.className).toBe(layer.className);
    expect(again.getConfig()).toEqual(layer.getConfig());
  }

  it('writes Keras 3 keys and round-trips through fromConfig', () => {
    const a = Input({ shape: [4, 4] });
    const built = [
      ...ELEMENTWISE.map((cls) => layers[cls]({ name: `m_${cls}` })),
      layers.Concatenate({ axis: 1 }),
      layers.Dot({ axes: [2, 2], normalize: true }),
    ];
    for (const layer of built) {
      layer([a, a]);
      roundTrip(layer);
    }
    expect(Object.keys(built[0]!.getConfig())).toEqual(['name', 'trainable', 'dtype']);
    expect(built[6]!.getConfig()).toMatchObject({ name: 'concatenate', axis: 1 });
    expect(built[7]!.getConfig()).toMatchObject({ name: 'dot', axes: [2, 2], normalize: true });
    // The build config holds the list of input shapes.
    expect(serializeLayer(built[6]!).build_config).toEqual({ input_shape: [[null, 4, 4], [null, 4, 4]] });
  });

  it('names layers as Keras does', () => {
    const a = Input({ shape: [2] });
    const names = [layers.add, layers.subtract, layers.multiply, layers.average, layers.maximum, layers.minimum, layers.concatenate, layers.dot]
      .map((f) => ((f as (xs: T[]) => T)([a, a])).sourceLayer.name);
    expect(names).toEqual(['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'concatenate', 'dot']);
  });
});

describe('models with merges', () => {
  /** A residual block (Add) and three towers joined by Concatenate, on Dense layers. */
  function towersModel() {
    const inputs = Input({ shape: [32], name: 'img' });
    let x = layers.Dense(32, { activation: 'relu' })(inputs);
    x = layers.Dense(32)(x);
    const residual = layers.add([x, inputs]);
    const towers = [16, 8, 4].map((units) => layers.Dense(units, { activation: 'relu' })(residual));
    const merged = layers.concatenate(towers, { name: 'towers' });
    const outputs = layers.Dense(10)(merged);
    return new Functional({ inputs, outputs, name: 'towers_model' });
  }

  it('counts parameters as Keras does', () => {
    const s = summarize(towersModel());
    expect(s.rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual([
      'img [(None, 32)] 0',
      'dense (None, 32) 1056', // 32*32 + 32
      'dense_1 (None, 32) 1056', // 32*32 + 32
      'add (None, 32) 0', // dense_1 + img
      'dense_2 (None, 16) 528', // 32*16 + 16
      'dense_3 (None, 8) 264', // 32*8 + 8
      'dense_4 (None, 4) 132', // 32*4 + 4
      'towers (None, 28) 0', // 16 + 8 + 4
      'dense_5 (None, 10) 290', // 28*10 + 10
    ]);
    // 1056 + 1056 + 528 + 264 + 132 + 290
    expect(s.totalParams).toBe(3326);
  });

  it('round-trips through JSON to an identical model', () => {
    const json = modelToJSON(towersModel());
    resetNames();
    const again = modelFromJSON(json);
    expect(modelToJSON(again)).toBe(json);
    const add = again.getLayer('add');
    expect(add.className).toBe('Add');
    expect((add.input as T[]).map((t) => t.sourceLayer.name)).toEqual(['dense_1', 'img']);
    expect((again.getLayer('towers').output as T).shape).toEqual([null, 28]);
  });

  it('shows both inbound tensors of an Add on separate "Connected to" lines', () => {
    const text = formatSummary(summarize(towersModel()));
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('add (Add)'));
    expect(lines[at]).toMatch(/^add \(Add\)\s+\(None, 32\)\s+0\s+dense_1\[0\]\[0\]\s*$/);
    expect(lines[at + 1]).toMatch(/^\s+img\[0\]\[0\]\s*$/);
    // The "Connected to" column starts at the same place on both lines.
    expect(lines[at + 1]!.indexOf('img')).toBe(lines[at]!.indexOf('dense_1'));
    const towers = lines.findIndex((l) => l.startsWith('towers (Concatenate)'));
    expect(lines.slice(towers, towers + 3).map((l) => l.trim().split(/\s+/).pop())).toEqual([
      'dense_2[0][0]',
      'dense_3[0][0]',
      'dense_4[0][0]',
    ]);
  });

  it('re-checks merge shapes when a model is called on new inputs', () => {
    const a = Input({ shape: [4] });
    const b = Input({ shape: [4] });
    const inner = new Functional({ inputs: [a, b], outputs: layers.concatenate([a, b]), name: 'inner' });
    const y = inner([Input({ shape: [4] }), Input({ shape: [4] })]) as T;
    expect(y.shape).toEqual([null, 8]);
  });
});
