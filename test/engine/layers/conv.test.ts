import { beforeEach, describe, expect, it } from 'vitest';
import {
  Functional,
  Input,
  formatShape,
  lookupLayerClass,
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

function weightsOf(layer: Layer): string[] {
  return layer.weights.map((w) => `${w.name} ${JSON.stringify(w.shape)} ${w.initializer.class_name}`);
}

describe('convolutions in the Keras functional API guide', () => {
  it('builds the toy ResNet trunk with the guide summary numbers (layers.add left out: it has no parameters)', () => {
    const inputs = Input({ shape: [32, 32, 3], name: 'img' });
    let x = layers.Conv2D(32, 3, { activation: 'relu' })(inputs);
    x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
    const block1 = layers.MaxPooling2D(3)(x);
    x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block1);
    x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
    x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
    x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
    x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
    x = layers.GlobalAveragePooling2D()(x);
    x = layers.Dense(256, { activation: 'relu' })(x);
    x = layers.Dropout(0.5)(x);
    const outputs = layers.Dense(10)(x);
    const s = summarize(new Functional({ inputs, outputs, name: 'toy_resnet' }));
    expect(s.rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual([
      'img [(None, 32, 32, 3)] 0',
      'conv2d (None, 30, 30, 32) 896', // 3*3*3*32 + 32
      'conv2d_1 (None, 28, 28, 64) 18496', // 3*3*32*64 + 64
      'max_pooling2d (None, 9, 9, 64) 0', // floor((28 - 3) / 3) + 1 = 9
      'conv2d_2 (None, 9, 9, 64) 36928', // 3*3*64*64 + 64, 'same' keeps 9x9
      'conv2d_3 (None, 9, 9, 64) 36928',
      'conv2d_4 (None, 9, 9, 64) 36928',
      'conv2d_5 (None, 9, 9, 64) 36928',
      'conv2d_6 (None, 7, 7, 64) 36928',
      'global_average_pooling2d (None, 64) 0',
      'dense (None, 256) 16640', // 64*256 + 256
      'dropout (None, 256) 0',
      'dense_1 (None, 10) 2570', // 256*10 + 10
    ]);
    expect(s.totalParams).toBe(223242); // the guide's "Total params: 223,242"
  });

  it('builds the guide encoder (18,672 params) and decoder (9,569 params)', () => {
    const encoderInput = Input({ shape: [28, 28, 1], name: 'img' });
    let x = layers.Conv2D(16, 3, { activation: 'relu' })(encoderInput);
    x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
    x = layers.MaxPooling2D(3)(x);
    x = layers.Conv2D(32, 3, { activation: 'relu' })(x);
    x = layers.Conv2D(16, 3, { activation: 'relu' })(x);
    const encoderOutput = layers.GlobalMaxPooling2D()(x);
    const encoder = new Functional({ inputs: encoderInput, outputs: encoderOutput, name: 'encoder' });
    const e = summarize(encoder);
    expect(e.rows.map((r) => `${r.outputShape} ${r.params}`)).toEqual([
      '[(None, 28, 28, 1)] 0',
      '(None, 26, 26, 16) 160', // 3*3*1*16 + 16
      '(None, 24, 24, 32) 4640', // 3*3*16*32 + 32
      '(None, 8, 8, 32) 0',
      '(None, 6, 6, 32) 9248', // 3*3*32*32 + 32
      '(None, 4, 4, 16) 4624', // 3*3*32*16 + 16
      '(None, 16) 0',
    ]);
    expect(e.totalParams).toBe(18672);

    const decoderInput = Input({ shape: [16], name: 'encoded_img' });
    x = layers.Reshape([4, 4, 1])(decoderInput);
    x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
    x = layers.Conv2DTranspose(32, 3, { activation: 'relu' })(x);
    x = layers.UpSampling2D(3)(x);
    x = layers.Conv2DTranspose(16, 3, { activation: 'relu' })(x);
    const decoderOutput = layers.Conv2DTranspose(1, 3, { activation: 'relu' })(x);
    const d = summarize(new Functional({ inputs: decoderInput, outputs: decoderOutput, name: 'decoder' }));
    expect(d.rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual([
      'encoded_img [(None, 16)] 0',
      'reshape (None, 4, 4, 1) 0',
      'conv2d_transpose (None, 6, 6, 16) 160', // 3*3*16*1 + 16
      'conv2d_transpose_1 (None, 8, 8, 32) 4640', // 3*3*32*16 + 32
      'up_sampling2d (None, 24, 24, 32) 0',
      'conv2d_transpose_2 (None, 26, 26, 16) 4624', // 3*3*16*32 + 16
      'conv2d_transpose_3 (None, 28, 28, 1) 145', // 3*3*1*16 + 1
    ]);
    expect(d.totalParams).toBe(9569);
  });

  it('gives the guide numbers for Conv2DTranspose(16, 3) on (4, 4, 16) and Conv2D(16, 3) on 28x28x1', () => {
    const t = layers.Conv2DTranspose(16, 3);
    expect(outShape(t, [4, 4, 16])).toBe('(None, 6, 6, 16)');
    expect(t.countParams()).toBe(2320); // 3*3*16*16 + 16
    const c = layers.Conv2D(16, 3);
    expect(outShape(c, [28, 28, 1])).toBe('(None, 26, 26, 16)');
    expect(c.countParams()).toBe(160); // 3*3*1*16 + 16
  });

  it('round-trips a conv model through JSON', () => {
    const inputs = Input({ shape: [16, 16, 3] });
    let x = layers.SeparableConv2D(8, 3, { padding: 'same' })(inputs);
    x = layers.DepthwiseConv2D(3, { depthMultiplier: 2 })(x);
    x = layers.Conv2DTranspose(4, 2, { strides: 2 })(x);
    const model = new Functional({ inputs, outputs: layers.Conv2D(2, 1, { groups: 2 })(x) });
    const json = modelToJSON(model);
    const back = modelFromJSON(json);
    expect(modelToJSON(back)).toBe(json);
    expect(summarize(back).totalParams).toBe(summarize(model).totalParams);
  });
});

describe('output shapes and parameter counts', () => {
  const cases: Array<[string, () => Layer, Array<number | null>, string, number]> = [
    // [what, layer, input sample shape, output shape, params]
    ['Conv1D valid', () => layers.Conv1D(32, 3), [100, 8], '(None, 98, 32)', 3 * 8 * 32 + 32], // 800
    ['Conv1D causal dilated', () => layers.Conv1D(16, 5, { padding: 'causal', dilationRate: 2 }), [50, 4], '(None, 50, 16)', 5 * 4 * 16 + 16], // 336
    ['Conv1D same stride 2', () => layers.Conv1D(4, 3, { strides: 2, padding: 'same' }), [49, 4], '(None, 25, 4)', 3 * 4 * 4 + 4], // ceil(49/2) = 25; 52
    ['Conv1D unknown length', () => layers.Conv1D(4, 3), [null, 4], '(None, None, 4)', 3 * 4 * 4 + 4],
    ['Conv2D stride 2', () => layers.Conv2D(32, 3, { strides: 2 }), [28, 28, 1], '(None, 13, 13, 32)', 3 * 3 * 1 * 32 + 32], // floor(25/2)+1 = 13; 320
    ['Conv2D 3x5 same stride 2', () => layers.Conv2D(64, [3, 5], { padding: 'same', strides: 2 }), [31, 31, 3], '(None, 16, 16, 64)', 3 * 5 * 3 * 64 + 64], // 2944
    ['Conv2D groups 4', () => layers.Conv2D(32, 3, { groups: 4 }), [10, 10, 16], '(None, 8, 8, 32)', 3 * 3 * (16 / 4) * 32 + 32], // 1184
    ['Conv2D without bias', () => layers.Conv2D(8, 3, { useBias: false }), [5, 5, 3], '(None, 3, 3, 8)', 3 * 3 * 3 * 8], // 216
    ['Conv2D dilation 2', () => layers.Conv2D(8, 3, { dilationRate: 2 }), [10, 10, 3], '(None, 6, 6, 8)', 3 * 3 * 3 * 8 + 8], // span 5: 10-5+1 = 6; 224
    ['Conv2D channels_first', () => layers.Conv2D(16, 3, { dataFormat: 'channels_first' }), [3, 32, 32], '(None, 16, 30, 30)', 3 * 3 * 3 * 16 + 16], // 448
    ['Conv3D', () => layers.Conv3D(8, 3), [10, 10, 10, 2], '(None, 8, 8, 8, 8)', 3 * 3 * 3 * 2 * 8 + 8], // 440
    ['Conv3D channels_first', () => layers.Conv3D(8, [1, 2, 3], { dataFormat: 'channels_first' }), [2, 5, 5, 5], '(None, 8, 5, 4, 3)', 1 * 2 * 3 * 2 * 8 + 8], // 104
    ['Conv1DTranspose stride 2', () => layers.Conv1DTranspose(8, 3, { strides: 2 }), [10, 4], '(None, 21, 8)', 3 * 8 * 4 + 8], // 10*2 + max(3-2, 0) = 21; 104
    ['Conv2DTranspose same stride 2', () => layers.Conv2DTranspose(32, 3, { strides: 2, padding: 'same' }), [7, 7, 64], '(None, 14, 14, 32)', 3 * 3 * 32 * 64 + 32], // 18464
    ['Conv2DTranspose output_padding', () => layers.Conv2DTranspose(4, 3, { strides: 2, outputPadding: 1 }), [7, 7, 2], '(None, 16, 16, 4)', 3 * 3 * 4 * 2 + 4], // (7-1)*2 + 3 + 1 = 16; 76
    ['Conv2DTranspose channels_first', () => layers.Conv2DTranspose(4, 2, { strides: 2, dataFormat: 'channels_first' }), [2, 5, 6], '(None, 4, 10, 12)', 2 * 2 * 4 * 2 + 4], // 36
    ['Conv3DTranspose', () => layers.Conv3DTranspose(4, 2, { strides: 2 }), [4, 4, 4, 8], '(None, 8, 8, 8, 4)', 2 * 2 * 2 * 4 * 8 + 4], // 260
    ['SeparableConv1D', () => layers.SeparableConv1D(16, 3), [20, 8], '(None, 18, 16)', 3 * 8 * 1 + 8 * 16 + 16], // 24 + 128 + 16 = 168
    ['SeparableConv2D multiplier 2', () => layers.SeparableConv2D(64, 3, { depthMultiplier: 2 }), [32, 32, 16], '(None, 30, 30, 64)', 3 * 3 * 16 * 2 + 32 * 64 + 64], // 288 + 2048 + 64 = 2400
    ['DepthwiseConv1D', () => layers.DepthwiseConv1D(5), [20, 6], '(None, 16, 6)', 5 * 6 * 1 + 6], // 36
    ['DepthwiseConv2D', () => layers.DepthwiseConv2D(3), [28, 28, 8], '(None, 26, 26, 8)', 3 * 3 * 8 * 1 + 8], // 80
    ['DepthwiseConv2D multiplier 2 same', () => layers.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' }), [28, 28, 8], '(None, 28, 28, 16)', 3 * 3 * 8 * 2 + 16], // 160
    ['DepthwiseConv2D channels_first', () => layers.DepthwiseConv2D(3, { depthMultiplier: 3, dataFormat: 'channels_first' }), [2, 9, 9], '(None, 6, 7, 7)', 3 * 3 * 2 * 3 + 6], // 60
  ];
  it.each(cases)('%s', (_what, make, input, shape, params) => {
    const layer = make();
    expect(outShape(layer, input)).toBe(shape);
    expect(layer.countParams()).toBe(params);
  });

  it("names the weights as Keras does, with Keras' shapes and initializers", () => {
    const conv = layers.Conv2D(32, 3, { groups: 4, kernelInitializer: 'he_normal' });
    conv(Input({ shape: [10, 10, 16] }));
    expect(weightsOf(conv)).toEqual(['kernel [3,3,4,32] HeNormal', 'bias [32] Zeros']);

    const transpose = layers.Conv2DTranspose(8, 3);
    transpose(Input({ shape: [5, 5, 4] }));
    expect(weightsOf(transpose)).toEqual(['kernel [3,3,8,4] GlorotUniform', 'bias [8] Zeros']);

    const separable = layers.SeparableConv2D(64, 3, { depthMultiplier: 2, pointwiseInitializer: 'lecun_normal' });
    separable(Input({ shape: [8, 8, 16] }));
    expect(weightsOf(separable)).toEqual([
      'depthwise_kernel [3,3,16,2] GlorotUniform',
      'pointwise_kernel [1,1,32,64] LecunNormal',
      'bias [64] Zeros',
    ]);

    // Keras 3 calls the depthwise weight "kernel" (Keras 2 said "depthwise_kernel").
    const depthwise = layers.DepthwiseConv1D(3, { depthMultiplier: 2, depthwiseInitializer: 'ones', useBias: false });
    depthwise(Input({ shape: [9, 8] }));
    expect(weightsOf(depthwise)).toEqual(['kernel [3,8,2] Ones']);
    expect(depthwise.weights[0]!.path).toBe('depthwise_conv1d/kernel');
  });

  it('gives Keras automatic names', () => {
    const names = [
      layers.Conv1D(1, 1), layers.Conv2D(1, 1), layers.Conv3D(1, 1), layers.Conv1DTranspose(1, 1),
      layers.Conv2DTranspose(1, 1), layers.Conv3DTranspose(1, 1), layers.SeparableConv1D(1, 1),
      layers.SeparableConv2D(1, 1), layers.DepthwiseConv1D(1), layers.DepthwiseConv2D(1), layers.Conv2D(1, 1),
    ].map((l) => l.name);
    expect(names).toEqual([
      'conv1d', 'conv2d', 'conv3d', 'conv1d_transpose', 'conv2d_transpose', 'conv3d_transpose',
      'separable_conv1d', 'separable_conv2d', 'depthwise_conv1d', 'depthwise_conv2d', 'conv2d_1',
    ]);
  });

  it('takes every argument as an option too', () => {
    const layer = layers.Conv2D({ filters: 8, kernelSize: [1, 3], strides: [1, 2], name: 'c' });
    expect(outShape(layer, [4, 9, 2])).toBe('(None, 4, 4, 8)'); // floor((9-3)/2)+1 = 4
    expect(() => layers.Conv2D(8, 3, { filters: 4 } as never)).toThrow('Conv2D() got `filters` both by position and in its options.');
  });
});

describe('errors a person sees', () => {
  it("throws Keras' message when the kernel is larger than the input, and stays unbuilt", () => {
    const layer = layers.Conv2D(32, 3);
    expect(() => layer(Input({ shape: [2, 2, 3] }))).toThrow(
      'Computed output size would be zero or negative. Received `inputs shape=(None, 2, 2, 3)`, `kernel shape=(3, 3, 3, 32)`, `dilation_rate=(1, 1)`, `strides=(1, 1)`, `padding=valid` (layer "conv2d").',
    );
    expect(layer.built).toBe(false);
    expect(layer.weights).toEqual([]);
    // The same sizes are fine with 'same' padding.
    expect(outShape(layers.Conv2D(32, 3, { padding: 'same' }), [2, 2, 3])).toBe('(None, 2, 2, 32)');
    // Dilation widens the window: span (3-1)*4+1 = 9 > 8.
    expect(() => layers.Conv1D(4, 3, { dilationRate: 4 })(Input({ shape: [8, 2] }))).toThrow(
      /Computed output size would be zero or negative. Received `inputs shape=\(None, 8, 2\)`, `kernel shape=\(3, 2, 4\)`, `dilation_rate=\(4,\)`/,
    );
    expect(() => layers.DepthwiseConv2D(5)(Input({ shape: [4, 9, 3] }))).toThrow(/kernel shape=\(5, 5, 3, 3\)/);
    expect(() => layers.SeparableConv1D(8, 4)(Input({ shape: [3, 2] }))).toThrow(/kernel shape=\(4, 2, 8\).*layer "separable_conv1d"/);
  });

  it('wants a known channel axis', () => {
    expect(() => layers.Conv2D(8, 3)(Input({ shape: [28, 28, null] }))).toThrow(
      'The channel dimension of the inputs to layer "conv2d" should be defined. The input_shape received is (None, 28, 28, None), where axis -1 (0-based) is the channel dimension, which found to be `None`.',
    );
    expect(() => layers.DepthwiseConv2D(3, { dataFormat: 'channels_first' })(Input({ shape: [null, 28, 28] }))).toThrow(
      /where axis 1 \(0-based\) is the channel dimension/,
    );
    expect(() => layers.Conv2DTranspose(8, 3)(Input({ shape: [5, 5, null] }))).toThrow(/channel dimension .* should be defined/);
  });

  it('checks groups against filters and input channels', () => {
    expect(() => layers.Conv2D(30, 3, { groups: 4 })).toThrow(
      'The number of filters must be evenly divisible by the number of groups. Received: groups=4, filters=30 (layer "conv2d").',
    );
    expect(() => layers.Conv2D(32, 3, { groups: 4 })(Input({ shape: [8, 8, 6] }))).toThrow(
      'The number of input channels must be evenly divisible by the number of groups. Received groups=4, but the input has 6 channels (full input shape is (None, 8, 8, 6)) (layer "conv2d_1").',
    );
    expect(() => layers.Conv1D(4, 3, { groups: 0 })).toThrow(/invalid value for `groups`/);
  });

  it("refuses strides > 1 with dilation_rate > 1, as Keras", () => {
    expect(() => layers.Conv2D(8, 3, { strides: 2, dilationRate: 2 })).toThrow(
      '`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=(2, 2) and dilation_rate=(2, 2) (layer "conv2d").',
    );
    expect(() => layers.SeparableConv1D(8, 3, { strides: 2, dilationRate: 2 })).toThrow(/strides > 1/);
    expect(() => layers.Conv2DTranspose(8, 3, { strides: [1, 2], dilationRate: [2, 1] })).toThrow(/strides > 1/);
  });

  it('checks the input rank with InputSpec wording', () => {
    expect(() => layers.Conv2D(8, 3)(Input({ shape: [28, 28] }))).toThrow(
      'Input 0 of layer "conv2d" is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 28, 28)',
    );
    expect(() => layers.Conv2D(8, 3)(Input({ shape: [5, 28, 28, 3] }))).toThrow(
      'Input 0 of layer "conv2d_1" is incompatible with the layer: expected ndim=4, found ndim=5. Full shape received: (None, 5, 28, 28, 3)',
    );
    const conv = layers.Conv2D(8, 3);
    conv(Input({ shape: [8, 8, 3] }));
    expect(() => conv(Input({ shape: [8, 8, 4] }))).toThrow(
      'Input 0 of layer "conv2d_2" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (None, 8, 8, 4)',
    );
  });

  it('checks the options', () => {
    expect(() => layers.Conv2D(0, 3)).toThrow('Received an invalid value for `filters` of layer "conv2d", expected a positive integer. Received: filters=0');
    expect(() => layers.SeparableConv2D(8, 3, { depthMultiplier: -1 })).toThrow(/invalid value for `depth_multiplier`/);
    expect(() => layers.Conv2D(8, [3, 0], { name: 'c' })).toThrow('The `kernel_size` argument of layer "c" cannot contain 0. Received: kernel_size=(3, 0).');
    expect(() => layers.Conv2D(8, [3], { name: 'c' })).toThrow(/`kernel_size` argument of layer "c" must be an integer or an array of 2 integers; received \[3\]/);
    expect(() => layers.Conv3D(8, 3, { strides: 0 })).toThrow(/`strides` argument .* cannot contain 0/);
    expect(() => layers.Conv2D(8, 3, { padding: 'causal', name: 'c' })).toThrow(
      'The `padding` argument of layer "c" must be one of "valid", "same". Received: padding="causal".',
    );
    expect(outShape(layers.Conv1D(8, 3, { padding: 'CAUSAL' }), [10, 2])).toBe('(None, 10, 8)');
    expect(() => layers.Conv2D(8, 3, { dataFormat: 'NHWC' as never })).toThrow(/`data_format` argument .* must be one of "channels_last", "channels_first"/);
    expect(() => layers.Conv2D(8, 3, { activation: 'rleu' })).toThrow(/Unknown activation for layer "conv2d_\d+"/);
    expect(() => layers.Conv2D(8, 3, { kernelSise: 3 } as never)).toThrow(/Unrecognized option\(s\) passed to Conv2D: "kernelSise"/);
    expect(() => layers.DepthwiseConv2D(3, { kernelInitializer: 'ones' } as never)).toThrow(
      /Unrecognized option\(s\) passed to DepthwiseConv2D: "kernelInitializer"/,
    );
    expect(() => layers.Conv2DTranspose(8, 3, { groups: 2 } as never)).toThrow(/Unrecognized option\(s\) passed to Conv2DTranspose: "groups"/);
    expect(() => layers.Conv2DTranspose(8, 3, { strides: 2, outputPadding: 2 })).toThrow(
      /`output_padding` must be < `strides`. Received: output_padding=\(2, 2\), strides=\(2, 2\)/,
    );
  });
});

describe('configs', () => {
  it("writes Keras 3's config keys, in Keras' order", () => {
    const keys = (l: Layer) => Object.keys(l.getConfig());
    const base = ['name', 'trainable', 'dtype'];
    const window = ['kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate'];
    expect(keys(layers.Conv2D(8, 3))).toEqual([
      ...base, 'filters', ...window, 'groups', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
      'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint',
    ]);
    expect(keys(layers.Conv2DTranspose(8, 3))).toEqual([
      ...base, 'filters', ...window, 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
      'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint',
    ]);
    expect(keys(layers.DepthwiseConv2D(3))).toEqual([
      ...base, 'depth_multiplier', ...window, 'activation', 'use_bias', 'depthwise_initializer', 'bias_initializer',
      'depthwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'bias_constraint',
    ]);
    expect(keys(layers.SeparableConv2D(8, 3))).toEqual([
      ...base, 'depth_multiplier', 'filters', ...window, 'activation', 'use_bias',
      'depthwise_initializer', 'pointwise_initializer', 'bias_initializer',
      'depthwise_regularizer', 'pointwise_regularizer', 'bias_regularizer', 'activity_regularizer',
      'depthwise_constraint', 'pointwise_constraint', 'bias_constraint',
    ]);
  });

  it('reads a config as Keras 3 writes it and writes it back unchanged', () => {
    const kerasConfig = {
      name: 'conv2d_7',
      trainable: true,
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      filters: 32,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
    const layer = lookupLayerClass('Conv2D', null)!.fromConfig(kerasConfig);
    expect(layer.getConfig()).toEqual(kerasConfig);
    expect(JSON.stringify(layer.getConfig())).toBe(JSON.stringify(kerasConfig));
  });

  it('writes the build_config Keras writes for a built layer', () => {
    const conv = layers.Conv1D(4, 3);
    conv(Input({ shape: [null, 2] }));
    expect(serializeLayer(conv).build_config).toEqual({ input_shape: [null, null, 2] });
  });

  it('writes output_padding only when it is set (Keras 3 public layers leave it out)', () => {
    expect(layers.Conv2DTranspose(8, 3).getConfig()).not.toHaveProperty('output_padding');
    expect(layers.Conv2DTranspose(8, 3, { strides: 2, outputPadding: [1, 0] }).getConfig().output_padding).toEqual([1, 0]);
  });

  const regularizer = { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 }, registered_name: null };
  const constraint = { module: 'keras.constraints', class_name: 'MaxNorm', config: { max_value: 2, axis: 0 }, registered_name: null };
  const all: Array<[string, () => Layer]> = [
    ['Conv1D', () => layers.Conv1D(8, 3, { padding: 'causal', dilationRate: 2, groups: 2, activation: 'relu', kernelRegularizer: regularizer })],
    ['Conv2D', () => layers.Conv2D(8, [3, 5], { strides: [2, 1], dataFormat: 'channels_first', useBias: false, kernelInitializer: 'he_uniform', biasConstraint: constraint })],
    ['Conv3D', () => layers.Conv3D(4, 2, { padding: 'same', activityRegularizer: regularizer, inputShape: [8, 8, 8, 1] })],
    ['Conv1DTranspose', () => layers.Conv1DTranspose(4, 3, { strides: 2, outputPadding: 1, kernelConstraint: constraint })],
    ['Conv2DTranspose', () => layers.Conv2DTranspose(4, 3, { activation: 'sigmoid', biasInitializer: { className: 'Constant', config: { value: 0.1 } } })],
    ['Conv3DTranspose', () => layers.Conv3DTranspose(4, 3, { dilationRate: 2, trainable: false })],
    ['SeparableConv1D', () => layers.SeparableConv1D(4, 3, { depthMultiplier: 3, pointwiseRegularizer: regularizer, depthwiseConstraint: constraint })],
    ['SeparableConv2D', () => layers.SeparableConv2D(4, 3, { depthwiseInitializer: 'random_normal', pointwiseConstraint: constraint, name: 'sep' })],
    ['DepthwiseConv1D', () => layers.DepthwiseConv1D(3, { depthMultiplier: 2, depthwiseRegularizer: regularizer })],
    ['DepthwiseConv2D', () => layers.DepthwiseConv2D([3, 1], { padding: 'same', dtype: 'float32', biasRegularizer: regularizer })],
  ];
  it.each(all)('%s: getConfig → fromConfig → getConfig is identical', (_name, make) => {
    expectRoundTrip(make());
  });
});
