import { beforeEach, describe, expect, it } from 'vitest';
import {
  Functional,
  Input,
  ValueError,
  deserializeLayer,
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

function roundTrip(layer: Layer): void {
  const again = deserializeLayer(serializeLayer(layer));
  expect(again.className).toBe(layer.className);
  expect(again.getConfig()).toEqual(layer.getConfig());
}

describe('weightless activation layers', () => {
  const makers: Array<[string, () => Layer]> = [
    ['softmax', () => layers.Softmax()],
    ['re_lu', () => layers.ReLU()],
    ['leaky_re_lu', () => layers.LeakyReLU()],
    ['elu', () => layers.ELU()],
    ['identity', () => layers.Identity()],
  ];

  it.each(makers)('%s keeps the shape, has no weights and a Keras name', (name, make) => {
    const layer = make();
    const y = layer(Input({ shape: [7, 3] })) as T;
    expect(y.shape).toEqual([null, 7, 3]);
    expect(layer.name).toBe(name);
    expect(layer.countParams()).toBe(0);
    // Keras builds these when they are created and writes no build_config for them.
    expect(serializeLayer(layer).build_config).toBeUndefined();
    roundTrip(layer);
  });

  it('take their first option by position, as in Keras', () => {
    expect(layers.LeakyReLU(0.2).negativeSlope).toBe(0.2);
    expect(layers.ReLU(6).maxValue).toBe(6);
    expect(layers.ELU(0.5).alpha).toBe(0.5);
    expect(layers.Softmax(1).axis).toBe(1);
    expect(layers.ReLU(6, { negativeSlope: 0.1, name: 'capped' }).getConfig()).toMatchObject({
      name: 'capped',
      max_value: 6,
      negative_slope: 0.1,
      threshold: 0,
    });
  });
});

describe('ReLU', () => {
  it('writes Keras defaults', () => {
    expect(layers.ReLU().getConfig()).toMatchObject({ max_value: null, negative_slope: 0, threshold: 0 });
  });

  it('rejects negative values as Keras does', () => {
    expect(() => layers.ReLU({ maxValue: -1 })).toThrow(
      'max_value of a ReLU layer cannot be a negative value. Received: max_value=-1',
    );
    expect(() => layers.ReLU({ negativeSlope: -0.1 })).toThrow(
      'negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope=-0.1',
    );
    expect(() => layers.ReLU({ threshold: -2 })).toThrow(/threshold of a ReLU layer cannot be None or a negative value/);
    expect(() => layers.ReLU({ maxValue: '6' } as never)).toThrow(ValueError);
    expect(() => layers.ReLU({ max_value: 6 } as never)).toThrow(/Unrecognized option\(s\) passed to ReLU: "max_value"/);
  });
});

describe('LeakyReLU', () => {
  it('defaults to the Keras 3 slope of 0.3 and accepts Keras 2\'s alpha', () => {
    expect(layers.LeakyReLU().getConfig()).toMatchObject({ negative_slope: 0.3 });
    const old = deserializeLayer({
      module: 'keras.layers',
      class_name: 'LeakyReLU',
      config: { name: 'lrelu', trainable: true, dtype: 'float32', alpha: 0.1 },
      registered_name: null,
    });
    expect(old.getConfig()).toMatchObject({ name: 'lrelu', negative_slope: 0.1 });
    expect(old.getConfig()).not.toHaveProperty('alpha');
    roundTrip(old);
  });

  it('rejects a negative slope or both names at once', () => {
    expect(() => layers.LeakyReLU(-0.2)).toThrow(
      'negative_slope of a LeakyReLU layer cannot be None or a negative value. Received: negative_slope=-0.2',
    );
    expect(() => layers.LeakyReLU({ alpha: 0.1, negativeSlope: 0.2 })).toThrow(/both `negativeSlope` and `alpha`/);
  });
});

describe('ELU and Softmax', () => {
  it('keep their options in the config', () => {
    // Keras 3 leaves alpha out of ELU's config (losing it); ELU(alpha=...) loads it fine, so we keep it.
    expect(layers.ELU().getConfig()).toMatchObject({ alpha: 1 });
    expect(layers.Softmax({ axis: [1, 2] }).getConfig()).toMatchObject({ axis: [1, 2] });
    expect(layers.Softmax().getConfig()).toMatchObject({ axis: -1 });
  });

  it('reject bad options', () => {
    expect(() => layers.ELU({ alpha: 'one' } as never)).toThrow(/`alpha`.*expected a number/);
    expect(() => layers.Softmax({ axis: 0.5 })).toThrow(/`axis`.*expected an integer or a list of integers/);
    expect(() => layers.Softmax({ axis: 2 })(Input({ shape: [4] }))).toThrow(
      'Axis 2 is out of bounds for input shape (None, 4). Received: axis=2',
    );
    expect(() => layers.Identity({ alpha: 1 } as never)).toThrow(/Unrecognized option\(s\) passed to Identity/);
  });
});

describe('PReLU', () => {
  it('learns one slope per input position (the input shape without the batch axis)', () => {
    const prelu = layers.PReLU();
    const y = prelu(Input({ shape: [28, 28, 32] })) as T;
    expect(y.shape).toEqual([null, 28, 28, 32]);
    expect(prelu.name).toBe('p_re_lu');
    expect(prelu.weights.map((w) => [w.name, w.shape, w.initializer.class_name])).toEqual([['alpha', [28, 28, 32], 'Zeros']]);
    expect(prelu.countParams()).toBe(25088); // 28 * 28 * 32
  });

  it('shares slopes along sharedAxes', () => {
    const prelu = layers.PReLU({ sharedAxes: [1, 2] });
    prelu(Input({ shape: [28, 28, 32] }));
    expect(prelu.weights[0]!.shape).toEqual([1, 1, 32]);
    expect(prelu.countParams()).toBe(32); // one slope per channel
    // Shared axes may have any size, the others must match.
    expect((prelu(Input({ shape: [14, 14, 32] })) as T).shape).toEqual([null, 14, 14, 32]);
    expect(() => prelu(Input({ shape: [14, 14, 16] }))).toThrow(/expected axis 3 of input shape to have value 32/);
    const one = layers.PReLU({ sharedAxes: 1 });
    one(Input({ shape: [null, 8] }));
    expect(one.countParams()).toBe(8);
    expect(one.getConfig().shared_axes).toEqual([1]);
  });

  it('needs known sizes off the shared axes and valid shared axes', () => {
    expect(() => layers.PReLU()(Input({ shape: [null, 8] }))).toThrow(/axis 1 of its input must have a known size.*sharedAxes/);
    expect(() => layers.PReLU({ sharedAxes: [0] })).toThrow(/axes count from 1/);
    expect(() => layers.PReLU({ sharedAxes: [3] })(Input({ shape: [4] }))).toThrow(/axis 3 does not exist/);
    expect(() => layers.PReLU({ sharedAxes: 'all' } as never)).toThrow(/shared_axes/);
  });

  it('writes the Keras 3 config and round-trips', () => {
    const prelu = layers.PReLU({ sharedAxes: [1], alphaInitializer: 'constant' });
    prelu(Input({ shape: [5, 6] }));
    expect(prelu.getConfig()).toMatchObject({
      alpha_initializer: { class_name: 'Constant', config: { value: 0 } },
      alpha_regularizer: null,
      alpha_constraint: null,
      shared_axes: [1],
    });
    expect(serializeLayer(prelu).build_config).toEqual({ input_shape: [null, 5, 6] });
    roundTrip(prelu);
  });
});

describe('models with activation layers', () => {
  it('count parameters and round-trip through JSON to an identical model', () => {
    const inputs = Input({ shape: [16], name: 'features' });
    let x = layers.Dense(32)(inputs);
    x = layers.LeakyReLU(0.1)(x);
    x = layers.Dense(32)(x);
    x = layers.PReLU()(x);
    x = layers.ReLU({ maxValue: 6 })(x);
    x = layers.ELU()(x);
    x = layers.Identity()(x);
    const outputs = layers.Softmax()(layers.Dense(4)(x));
    const model = new Functional({ inputs, outputs, name: 'acts' });
    // (16*32+32) + (32*32+32) + 32 (PReLU slopes) + (32*4+4)
    expect(summarize(model).totalParams).toBe(544 + 1056 + 32 + 132);
    const json = modelToJSON(model);
    resetNames();
    expect(modelToJSON(modelFromJSON(json))).toBe(json);
  });
});
