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

describe('output shapes', () => {
  // None of these layers has weights.
  const cases: Array<[string, () => Layer, Array<number | null>, string]> = [
    ['Flatten', () => layers.Flatten(), [3, 4, 5], '(None, 60)'], // 3*4*5
    ['Flatten channels_first', () => layers.Flatten({ dataFormat: 'channels_first' }), [3, 4, 5], '(None, 60)'],
    ['Flatten unknown size', () => layers.Flatten(), [null, 4], '(None, None)'],
    ['Flatten of a batch of scalars', () => layers.Flatten(), [], '(None, 1)'],
    ['Reshape of the guide decoder', () => layers.Reshape([4, 4, 1]), [16], '(None, 4, 4, 1)'],
    ['Reshape (3, 4)', () => layers.Reshape([3, 4]), [12], '(None, 3, 4)'],
    ['Reshape with -1', () => layers.Reshape([-1, 2, 2]), [12], '(None, 3, 2, 2)'], // 12 / (2*2) = 3
    ['Reshape with -1 and unknown input', () => layers.Reshape([-1, 2]), [null, 4], '(None, None, 2)'],
    ['Permute', () => layers.Permute([2, 1]), [10, 64], '(None, 64, 10)'],
    ['Permute 3 axes', () => layers.Permute([3, 1, 2]), [2, 3, 4], '(None, 4, 2, 3)'],
    ['RepeatVector', () => layers.RepeatVector(3), [32], '(None, 3, 32)'],
    ['UpSampling1D', () => layers.UpSampling1D(3), [10, 8], '(None, 30, 8)'],
    ['UpSampling1D default', () => layers.UpSampling1D(), [10, 8], '(None, 20, 8)'],
    ['UpSampling2D(3) of the guide decoder', () => layers.UpSampling2D(3), [6, 6, 16], '(None, 18, 18, 16)'],
    ['UpSampling2D 2x3 channels_first', () => layers.UpSampling2D([2, 3], { dataFormat: 'channels_first' }), [3, 4, 5], '(None, 3, 8, 15)'],
    ['UpSampling2D unknown size', () => layers.UpSampling2D(2, { interpolation: 'bilinear' }), [null, 5, 1], '(None, None, 10, 1)'],
    ['UpSampling3D', () => layers.UpSampling3D(2), [2, 3, 4, 1], '(None, 4, 6, 8, 1)'],
    ['ZeroPadding1D(2)', () => layers.ZeroPadding1D(2), [10, 8], '(None, 14, 8)'],
    ['ZeroPadding1D [1, 3]', () => layers.ZeroPadding1D([1, 3]), [10, 8], '(None, 14, 8)'],
    ['ZeroPadding2D default', () => layers.ZeroPadding2D(), [28, 28, 3], '(None, 30, 30, 3)'],
    ['ZeroPadding2D per axis', () => layers.ZeroPadding2D([1, 2]), [28, 28, 3], '(None, 30, 32, 3)'],
    ['ZeroPadding2D pairs', () => layers.ZeroPadding2D([[1, 0], [2, 3]]), [28, 28, 3], '(None, 29, 33, 3)'],
    ['ZeroPadding2D channels_first', () => layers.ZeroPadding2D(1, { dataFormat: 'channels_first' }), [3, 8, 8], '(None, 3, 10, 10)'],
    ['ZeroPadding3D', () => layers.ZeroPadding3D(1), [4, 4, 4, 2], '(None, 6, 6, 6, 2)'],
    ['Cropping1D [1, 2]', () => layers.Cropping1D([1, 2]), [10, 8], '(None, 7, 8)'],
    ['Cropping1D default (1, 1)', () => layers.Cropping1D(), [10, 8], '(None, 8, 8)'],
    ['Cropping2D of the Keras docs', () => layers.Cropping2D([[2, 2], [4, 4]]), [28, 28, 3], '(None, 24, 20, 3)'],
    ['Cropping2D default crops nothing', () => layers.Cropping2D(), [28, 28, 3], '(None, 28, 28, 3)'],
    ['Cropping2D channels_first', () => layers.Cropping2D(1, { dataFormat: 'channels_first' }), [3, 8, 8], '(None, 3, 6, 6)'],
    ['Cropping2D unknown size', () => layers.Cropping2D([3, 1]), [null, 8, 3], '(None, None, 6, 3)'],
    ['Cropping3D default (1, 1) per axis', () => layers.Cropping3D(), [4, 4, 4, 2], '(None, 2, 2, 2, 2)'],
  ];
  it.each(cases)('%s', (_what, make, input, shape) => {
    const layer = make();
    expect(outShape(layer, input)).toBe(shape);
    expect(layer.countParams()).toBe(0);
  });

  it('keeps the input dtype', () => {
    const ids = Input({ shape: [4, 3], dtype: 'int32' });
    for (const layer of [layers.Flatten(), layers.Reshape([12]), layers.Permute([2, 1]), layers.Cropping1D(1), layers.ZeroPadding1D(1)]) {
      expect((layer(ids) as SymbolicTensor).dtype).toBe('int32');
    }
  });

  it('gives Keras automatic names', () => {
    const names = [
      layers.Flatten(), layers.Reshape([1]), layers.Permute([1]), layers.RepeatVector(2), layers.UpSampling1D(),
      layers.UpSampling2D(), layers.ZeroPadding3D(), layers.Cropping2D(), layers.Flatten(),
    ].map((l) => l.name);
    expect(names).toEqual([
      'flatten', 'reshape', 'permute', 'repeat_vector', 'up_sampling1d', 'up_sampling2d', 'zero_padding3d', 'cropping2d', 'flatten_1',
    ]);
  });
});

describe('errors a person sees', () => {
  it("throws Keras' message when Reshape changes the number of elements", () => {
    expect(() => layers.Reshape([3, 5])(Input({ shape: [12] }))).toThrow(
      'The total size of the tensor must be unchanged. Received: input_shape=(12,), target_shape=(3, 5) (layer "reshape").',
    );
    expect(() => layers.Reshape([-1, 5])(Input({ shape: [3, 4] }))).toThrow(
      'The total size of the tensor must be unchanged, however, the input size cannot be divided by the specified dimensions in target_shape. Received: input_shape=(3, 4), target_shape=(-1, 5) (layer "reshape_1").',
    );
    expect(() => layers.Reshape([-1, -1], { name: 'r' })).toThrow(
      'The `target_shape` argument must not contain more than one `-1` value. Received: target_shape=(-1, -1) (layer "r").',
    );
    expect(() => layers.Reshape([2, -3], { name: 'r' })).toThrow(/`target_shape` argument of layer "r" must be an array of non-negative integers/);
    expect(() => layers.Reshape(4 as never)).toThrow(/`target_shape` argument .* Received: target_shape=4/);
  });

  it('wants Permute dims to be a permutation of 1…n', () => {
    for (const dims of [[1, 3], [0, 1], [1, 1], []]) {
      expect(() => layers.Permute(dims)).toThrow(/Invalid permutation argument `dims` for Permute Layer "permute(_\d+)?". The set of indices in `dims` must be consecutive and start from 1/);
    }
    expect(() => layers.Permute([2, 1])(Input({ shape: [2, 3, 4] }))).toThrow(
      'Input 0 of layer "permute_4" is incompatible with the layer: expected ndim=3, found ndim=4. Full shape received: (None, 2, 3, 4)',
    );
  });

  it('checks RepeatVector', () => {
    expect(() => layers.RepeatVector(1.5, { name: 'r' })).toThrow('Expected an integer value for `n` of layer "r", got 1.5.');
    expect(() => layers.RepeatVector(0)).toThrow(/invalid value for `n`/);
    expect(() => layers.RepeatVector(2)(Input({ shape: [10, 32] }))).toThrow(/expected ndim=2, found ndim=3/);
  });

  it('refuses cropping away a whole axis', () => {
    expect(() => layers.Cropping1D([5, 5])(Input({ shape: [10, 8] }))).toThrow(
      '`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: input_shape=(None, 10, 8), cropping=(5, 5) (layer "cropping1d").',
    );
    expect(() => layers.Cropping2D([[1, 1], [2, 2]])(Input({ shape: [2, 8, 3] }))).toThrow(
      'Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. Received: input_shape=(None, 2, 8, 3), cropping=((1, 1), (2, 2)) (layer "cropping2d").',
    );
    expect(() => layers.Cropping3D([1, 1, 2])(Input({ shape: [4, 4, 4, 1] }))).toThrow(/Values in `cropping` argument should be smaller/);
  });

  it('checks padding, cropping, size and interpolation arguments', () => {
    expect(() => layers.ZeroPadding2D([1, 2, 3], { name: 'z' })).toThrow(
      'The `padding` argument of layer "z" must be an integer, an array of 2 integers (one per axis, both sides), or an array of 2 pairs [before, after], none negative. Received: padding=[1,2,3].',
    );
    expect(() => layers.ZeroPadding1D(-1, { name: 'z' })).toThrow(
      'The `padding` argument of layer "z" must be an integer or an array of 2 integers [before, after], none negative. Received: padding=-1.',
    );
    expect(() => layers.ZeroPadding3D([[1, 1], [1], [1, 1]])).toThrow(/`padding` argument/);
    expect(() => layers.Cropping2D([[1, 2, 3], [0, 0]])).toThrow(/`cropping` argument/);
    expect(() => layers.UpSampling2D(0, { name: 'u' })).toThrow('The `size` argument of layer "u" cannot contain 0. Received: size=(0, 0).');
    expect(() => layers.UpSampling3D([2, 2])).toThrow(/`size` argument .* must be an integer or an array of 3 integers/);
    expect(() => layers.UpSampling2D(2, { interpolation: 'linear', name: 'u' })).toThrow(
      'The `interpolation` argument of layer "u" must be one of "nearest", "bilinear", "bicubic", "lanczos3", "lanczos5". Received: interpolation="linear".',
    );
    expect(() => layers.UpSampling1D(2, { dataFormat: 'channels_first' } as never)).toThrow(/Unrecognized option\(s\) passed to UpSampling1D: "dataFormat"/);
    expect(() => layers.Cropping1D(1, { dataFormat: 'channels_first' } as never)).toThrow(/Unrecognized option\(s\) passed to Cropping1D: "dataFormat"/);
    expect(() => layers.UpSampling2D()(Input({ shape: [4, 4] }))).toThrow(/expected ndim=4, found ndim=3/);
  });
});

describe('configs', () => {
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  it('writes what Keras 3 writes', () => {
    const own = (l: Layer) => {
      const { name: _n, trainable: _t, dtype: d, ...rest } = l.getConfig();
      expect(d).toEqual(dtype);
      return rest;
    };
    expect(own(layers.Flatten())).toEqual({ data_format: 'channels_last' });
    expect(own(layers.Reshape([4, 4, 1]))).toEqual({ target_shape: [4, 4, 1] });
    expect(own(layers.Permute([2, 1]))).toEqual({ dims: [2, 1] });
    expect(own(layers.RepeatVector(3))).toEqual({ n: 3 });
    expect(own(layers.UpSampling1D(3))).toEqual({ size: 3 });
    expect(own(layers.UpSampling2D(3))).toEqual({ size: [3, 3], data_format: 'channels_last', interpolation: 'nearest' });
    expect(own(layers.UpSampling3D())).toEqual({ size: [2, 2, 2], data_format: 'channels_last' });
    expect(own(layers.ZeroPadding1D(2))).toEqual({ padding: [2, 2], data_format: 'channels_last' });
    expect(own(layers.ZeroPadding2D([1, 2]))).toEqual({ padding: [[1, 1], [2, 2]], data_format: 'channels_last' });
    expect(own(layers.ZeroPadding3D())).toEqual({ padding: [[1, 1], [1, 1], [1, 1]], data_format: 'channels_last' });
    expect(own(layers.Cropping1D())).toEqual({ cropping: [1, 1] });
    expect(own(layers.Cropping2D())).toEqual({ cropping: [[0, 0], [0, 0]], data_format: 'channels_last' });
    expect(own(layers.Cropping3D(2))).toEqual({ cropping: [[2, 2], [2, 2], [2, 2]], data_format: 'channels_last' });
  });

  it('writes build_config where Keras 3 does: not for Reshape, which Keras builds at creation', () => {
    const reshape = layers.Reshape([2, 2]);
    const flatten = layers.Flatten();
    flatten(reshape(Input({ shape: [4] })));
    expect(serializeLayer(reshape)).not.toHaveProperty('build_config');
    expect(serializeLayer(flatten).build_config).toEqual({ input_shape: [null, 2, 2] });
  });

  const all: Array<[string, () => Layer]> = [
    ['Flatten', () => layers.Flatten({ dataFormat: 'channels_first' })],
    ['Reshape', () => layers.Reshape([-1, 4], { inputShape: [8] })],
    ['Permute', () => layers.Permute([3, 1, 2])],
    ['RepeatVector', () => layers.RepeatVector(5, { name: 'rep' })],
    ['UpSampling1D', () => layers.UpSampling1D(4)],
    ['UpSampling2D', () => layers.UpSampling2D([2, 3], { interpolation: 'BILINEAR', dataFormat: 'channels_first' })],
    ['UpSampling3D', () => layers.UpSampling3D([1, 2, 3])],
    ['ZeroPadding1D', () => layers.ZeroPadding1D([0, 3])],
    ['ZeroPadding2D', () => layers.ZeroPadding2D([[1, 0], [2, 3]], { dataFormat: 'channels_first' })],
    ['ZeroPadding3D', () => layers.ZeroPadding3D([1, 2, 3])],
    ['Cropping1D', () => layers.Cropping1D([2, 0])],
    ['Cropping2D', () => layers.Cropping2D([[2, 2], [4, 4]], { trainable: false })],
    ['Cropping3D', () => layers.Cropping3D([[0, 1], [1, 0], [2, 2]], { dataFormat: 'channels_first' })],
  ];
  it.each(all)('%s: getConfig → fromConfig → getConfig is identical', (_name, make) => {
    expectRoundTrip(make());
  });
});
