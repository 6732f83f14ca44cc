import { beforeEach, describe, expect, it } from 'vitest';
import {
  Input,
  formatShape,
  lookupLayerClass,
  resetNames,
  serializeLayer,
  type Layer,
  type SymbolicTensor,
} from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';

beforeEach(() => resetNames());

/** Calls `layer` on a fresh input of one-sample shape `shape` and returns the output shape as Keras prints it. */
function outShape(layer: Layer, shape: Array<number | null>): string {
  return formatShape((layer(Input({ shape })) as SymbolicTensor).shape);
}

/** getConfig → (JSON, as config.json) → fromConfig → getConfig gives the same text. */
function expectRoundTrip(layer: Layer): void {
  const json = JSON.stringify(layer.getConfig());
  const cls = lookupLayerClass(layer.className, null);
  expect(cls, `${layer.className} is registered`).toBeDefined();
  const again = cls!.fromConfig(JSON.parse(json));
  expect(again.className).toBe(layer.className);
  expect(JSON.stringify(again.getConfig())).toBe(json);
}

describe('local pooling', () => {
  // Valid padding: floor((n - pool) / stride) + 1; same padding: ceil(n / stride). No weights.
  const cases: Array<[string, () => Layer, Array<number | null>, string]> = [
    ['MaxPooling2D(3) of the guides', () => layers.MaxPooling2D(3), [28, 28, 64], '(None, 9, 9, 64)'], // floor(25/3)+1 = 9
    ['MaxPooling2D() defaults to 2', () => layers.MaxPooling2D(), [28, 28, 3], '(None, 14, 14, 3)'],
    ['MaxPooling2D stride 1', () => layers.MaxPooling2D(2, { strides: 1 }), [5, 5, 1], '(None, 4, 4, 1)'],
    ['MaxPooling2D same', () => layers.MaxPooling2D(2, { padding: 'same' }), [5, 5, 1], '(None, 3, 3, 1)'], // ceil(5/2) = 3
    ['MaxPooling2D 2x3', () => layers.MaxPooling2D([2, 3]), [6, 9, 2], '(None, 3, 3, 2)'],
    ['MaxPooling2D channels_first', () => layers.MaxPooling2D(2, { dataFormat: 'channels_first' }), [3, 32, 32], '(None, 3, 16, 16)'],
    ['MaxPooling1D unknown length', () => layers.MaxPooling1D(), [null, 8], '(None, None, 8)'],
    ['MaxPooling3D', () => layers.MaxPooling3D(2), [8, 8, 8, 3], '(None, 4, 4, 4, 3)'],
    ['AveragePooling1D(4)', () => layers.AveragePooling1D(4), [10, 8], '(None, 2, 8)'], // floor(6/4)+1 = 2
    ['AveragePooling1D same stride 1', () => layers.AveragePooling1D(4, { strides: 1, padding: 'same' }), [10, 8], '(None, 10, 8)'],
    ['AveragePooling2D stride 3', () => layers.AveragePooling2D(2, { strides: 3 }), [10, 10, 4], '(None, 3, 3, 4)'], // floor(8/3)+1 = 3
    ['AveragePooling3D 2x2x1', () => layers.AveragePooling3D([2, 2, 1]), [4, 4, 4, 1], '(None, 2, 2, 4, 1)'],
  ];
  it.each(cases)('%s', (_what, make, input, shape) => {
    const layer = make();
    expect(outShape(layer, input)).toBe(shape);
    expect(layer.countParams()).toBe(0);
    expect(layer.weights).toEqual([]);
  });

  it('has the short Keras aliases and Keras names', () => {
    const names = [
      layers.MaxPool2D(), layers.MaxPooling2D(), layers.AvgPool1D(), layers.AveragePooling3D(), layers.GlobalAvgPool2D(),
      layers.GlobalMaxPooling1D(),
    ].map((l) => `${l.className} ${l.name}`);
    expect(names).toEqual([
      'MaxPooling2D max_pooling2d',
      'MaxPooling2D max_pooling2d_1',
      'AveragePooling1D average_pooling1d',
      'AveragePooling3D average_pooling3d',
      'GlobalAveragePooling2D global_average_pooling2d',
      'GlobalMaxPooling1D global_max_pooling1d',
    ]);
    expect(lookupLayerClass('MaxPool2D', null)).toBe(lookupLayerClass('MaxPooling2D', null));
  });

  it('throws when the window does not fit the input', () => {
    expect(() => layers.MaxPooling2D(3)(Input({ shape: [2, 2, 1] }))).toThrow(
      'Computed output size would be zero or negative. Received: `inputs.shape=(None, 2, 2, 1)`, `pool_size=(3, 3)`, `strides=(3, 3)`, `padding=valid` (layer "max_pooling2d").',
    );
    expect(() => layers.AveragePooling1D(5, { strides: 1 })(Input({ shape: [4, 3] }))).toThrow(/pool_size=\(5,\)/);
    // 'same' padding always fits.
    expect(outShape(layers.MaxPooling2D(3, { padding: 'same' }), [2, 2, 1])).toBe('(None, 1, 1, 1)');
  });

  it('checks the input rank and the options', () => {
    expect(() => layers.MaxPooling2D()(Input({ shape: [28, 28] }))).toThrow(
      'Input 0 of layer "max_pooling2d" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (None, 28, 28)',
    );
    expect(() => layers.MaxPooling2D(0, { name: 'p' })).toThrow('The `pool_size` argument of layer "p" cannot contain 0. Received: pool_size=(0, 0).');
    expect(() => layers.MaxPooling2D([2], { name: 'p' })).toThrow(/`pool_size` argument of layer "p" must be an integer or an array of 2 integers/);
    expect(() => layers.MaxPooling1D(2, { strides: 0 })).toThrow(/`strides` argument .* cannot contain 0/);
    expect(() => layers.MaxPooling1D(2, { padding: 'causal' as never, name: 'p' })).toThrow(
      'The `padding` argument of layer "p" must be one of "valid", "same". Received: padding="causal".',
    );
    expect(() => layers.AveragePooling2D(2, { dataFormat: 'NCHW' as never })).toThrow(/`data_format` argument/);
    expect(() => layers.MaxPooling2D({ pool_size: 2 } as never)).toThrow(/Unrecognized option\(s\) passed to MaxPooling2D: "pool_size"/);
  });
});

describe('global pooling', () => {
  const cases: Array<[string, () => Layer, Array<number | null>, string]> = [
    ['GlobalMaxPooling2D of the guide encoder', () => layers.GlobalMaxPooling2D(), [4, 4, 16], '(None, 16)'],
    ['GlobalMaxPooling2D keepdims', () => layers.GlobalMaxPooling2D({ keepdims: true }), [4, 4, 16], '(None, 1, 1, 16)'],
    ['GlobalMaxPooling2D channels_first keepdims', () => layers.GlobalMaxPooling2D({ dataFormat: 'channels_first', keepdims: true }), [16, 4, 4], '(None, 16, 1, 1)'],
    ['GlobalMaxPooling1D channels_first', () => layers.GlobalMaxPooling1D({ dataFormat: 'channels_first' }), [8, 10], '(None, 8)'],
    ['GlobalMaxPooling3D', () => layers.GlobalMaxPooling3D(), [2, 3, 4, 5], '(None, 5)'],
    ['GlobalAveragePooling1D', () => layers.GlobalAveragePooling1D(), [10, 8], '(None, 8)'],
    ['GlobalAveragePooling1D keepdims', () => layers.GlobalAveragePooling1D({ keepdims: true }), [null, 8], '(None, 1, 8)'],
    ['GlobalAveragePooling2D unknown size', () => layers.GlobalAveragePooling2D(), [null, null, 64], '(None, 64)'],
    ['GlobalAveragePooling3D keepdims', () => layers.GlobalAveragePooling3D({ keepdims: true }), [4, 4, 4, 5], '(None, 1, 1, 1, 5)'],
  ];
  it.each(cases)('%s', (_what, make, input, shape) => {
    const layer = make();
    expect(outShape(layer, input)).toBe(shape);
    expect(layer.countParams()).toBe(0);
  });

  it('checks the input rank and the options', () => {
    expect(() => layers.GlobalAveragePooling2D()(Input({ shape: [10, 8] }))).toThrow(
      'Input 0 of layer "global_average_pooling2d" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (None, 10, 8)',
    );
    expect(() => layers.GlobalMaxPooling1D({ keepdims: 'yes' as never, name: 'g' })).toThrow(
      'The `keepdims` argument of layer "g" must be a boolean. Received: keepdims="yes".',
    );
    expect(() => layers.GlobalMaxPooling2D({ poolSize: 2 } as never)).toThrow(/Unrecognized option\(s\) passed to GlobalMaxPooling2D: "poolSize"/);
    expect(() => (layers.GlobalMaxPooling2D as (...a: unknown[]) => Layer)(2)).toThrow(/takes no positional arguments/);
  });
});

describe('configs', () => {
  it('writes what Keras 3 writes, strides defaulting to the pool size', () => {
    const config = layers.MaxPooling2D(3, { name: 'max_pooling2d_3' }).getConfig();
    expect(JSON.stringify(config)).toBe(
      JSON.stringify({
        name: 'max_pooling2d_3',
        trainable: true,
        dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        pool_size: [3, 3],
        padding: 'valid',
        strides: [3, 3],
        data_format: 'channels_last',
      }),
    );
    expect(Object.keys(layers.GlobalAveragePooling1D().getConfig())).toEqual(['name', 'trainable', 'dtype', 'data_format', 'keepdims']);
  });

  it('writes no build_config, as Keras 3 builds pooling layers at creation', () => {
    const pool = layers.MaxPooling2D();
    const globalPool = layers.GlobalAveragePooling2D();
    globalPool(pool(Input({ shape: [8, 8, 3] })));
    expect(serializeLayer(pool)).not.toHaveProperty('build_config');
    expect(serializeLayer(globalPool)).not.toHaveProperty('build_config');
  });

  it('reads a Keras config with strides null', () => {
    const layer = lookupLayerClass('AveragePooling1D', null)!.fromConfig({ name: 'avg', pool_size: [4], strides: null, padding: 'same' });
    expect(layer.getConfig()).toMatchObject({ pool_size: [4], strides: [4], padding: 'same', data_format: 'channels_last' });
  });

  const all: Array<[string, () => Layer]> = [
    ['MaxPooling1D', () => layers.MaxPooling1D(3, { strides: 2, padding: 'same' })],
    ['MaxPooling2D', () => layers.MaxPooling2D([2, 3], { dataFormat: 'channels_first' })],
    ['MaxPooling3D', () => layers.MaxPooling3D(2, { inputShape: [8, 8, 8, 1] })],
    ['AveragePooling1D', () => layers.AveragePooling1D()],
    ['AveragePooling2D', () => layers.AveragePooling2D(2, { strides: [1, 2], trainable: false })],
    ['AveragePooling3D', () => layers.AveragePooling3D([1, 2, 2], { padding: 'same', name: 'avg3' })],
    ['GlobalMaxPooling1D', () => layers.GlobalMaxPooling1D({ keepdims: true })],
    ['GlobalMaxPooling2D', () => layers.GlobalMaxPooling2D({ dataFormat: 'channels_first' })],
    ['GlobalMaxPooling3D', () => layers.GlobalMaxPooling3D()],
    ['GlobalAveragePooling1D', () => layers.GlobalAveragePooling1D({ dataFormat: 'channels_first', keepdims: true })],
    ['GlobalAveragePooling2D', () => layers.GlobalAveragePooling2D()],
    ['GlobalAveragePooling3D', () => layers.GlobalAveragePooling3D({ keepdims: true })],
  ];
  it.each(all)('%s: getConfig → fromConfig → getConfig is identical', (_name, make) => {
    expectRoundTrip(make());
  });
});
