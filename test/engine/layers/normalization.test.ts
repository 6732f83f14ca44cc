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

const weightsOf = (layer: Layer) => layer.weights.map((w) => `${w.name} ${JSON.stringify(w.shape)} ${w.trainable ? 'trainable' : 'frozen'}`);
const params = (layer: Layer, trainable: boolean) =>
  layer.weights.filter((w) => w.trainable === trainable).reduce((n, w) => n + w.size, 0);

function roundTrip(layer: Layer): void {
  const again = deserializeLayer(serializeLayer(layer));
  expect(again.className).toBe(layer.className);
  expect(again.getConfig()).toEqual(layer.getConfig());
}

describe('BatchNormalization', () => {
  it('has gamma, beta, moving_mean and moving_variance of shape [channels]: 4*C params, 2*C non-trainable', () => {
    const x = Input({ shape: [9, 9, 64] });
    const bn = layers.BatchNormalization();
    const y = bn(x) as T;
    expect(y.shape).toEqual([null, 9, 9, 64]);
    expect(bn.name).toBe('batch_normalization');
    expect(weightsOf(bn)).toEqual([
      'gamma [64] trainable',
      'beta [64] trainable',
      'moving_mean [64] frozen',
      'moving_variance [64] frozen',
    ]);
    expect(bn.countParams()).toBe(256); // 4 * 64
    expect(params(bn, false)).toBe(128); // moving_mean + moving_variance: 2 * 64
    expect(params(bn, true)).toBe(128); // gamma + beta: 2 * 64
    expect(bn.weights.map((w) => w.initializer.class_name)).toEqual(['Ones', 'Zeros', 'Zeros', 'Ones']);
  });

  it('reports Keras totals in a model summary', () => {
    const inputs = Input({ shape: [784] });
    let x = layers.Dense(64)(inputs);
    x = layers.BatchNormalization()(x);
    const outputs = layers.Dense(10)(x);
    const s = summarize(new Functional({ inputs, outputs }));
    expect(s.rows.map((r) => r.params)).toEqual([0, 50240, 256, 650]); // 784*64+64, 4*64, 64*10+10
    expect(s.totalParams).toBe(51146);
    expect(s.trainableParams).toBe(51018); // 51146 - 128
    expect(s.nonTrainableParams).toBe(128); // moving statistics of 64 channels
  });

  it('normalises the axis it is given and drops gamma or beta on request', () => {
    const x = Input({ shape: [3, 32, 32] });
    const first = layers.BatchNormalization({ axis: 1 });
    first(x);
    expect(first.countParams()).toBe(12); // 4 * 3 channels on axis 1
    const noCenter = layers.BatchNormalization({ center: false });
    noCenter(x);
    expect(weightsOf(noCenter)).toEqual(['gamma [32] trainable', 'moving_mean [32] frozen', 'moving_variance [32] frozen']);
    expect(noCenter.countParams()).toBe(96); // 3 * 32
    const noScale = layers.BatchNormalization({ scale: false, center: false });
    noScale(x);
    expect(noScale.countParams()).toBe(64); // moving statistics only: 2 * 32
    expect(params(noScale, true)).toBe(0);
  });

  it('makes every weight non-trainable when the layer is frozen', () => {
    const bn = layers.BatchNormalization({ trainable: false });
    bn(Input({ shape: [16] }));
    expect(params(bn, false)).toBe(64); // all 4 * 16
  });

  it('needs the normalised axis to be known and in range', () => {
    const err = (() => {
      try {
        layers.BatchNormalization()(Input({ shape: [5, null] }));
      } catch (e) {
        return e as ValueError;
      }
    })();
    expect(err).toBeInstanceOf(ValueError);
    expect(err!.message).toContain(
      'Axis -1 of input tensor should have a defined dimension but the layer received an input with shape (None, 5, None)',
    );
    expect(err!.layerName).toBe('batch_normalization');
    expect(() => layers.BatchNormalization({ axis: 3 })(Input({ shape: [4, 4] }))).toThrow(
      'Axis 3 is out of bounds for input shape (None, 4, 4). Received: axis=3',
    );
  });

  it('checks later calls against the channels it was built with', () => {
    const bn = layers.BatchNormalization();
    bn(Input({ shape: [8, 8, 64] }));
    expect(() => bn(Input({ shape: [8, 8, 32] }))).toThrow(
      'Input 0 of layer "batch_normalization" is incompatible with the layer: expected axis -1 of input shape to have value 64, but received input with shape (None, 8, 8, 32)',
    );
    expect(() => bn(Input({ shape: [64] }))).toThrow(/expected ndim=4, found ndim=2/);
  });

  it('rejects bad options', () => {
    expect(() => layers.BatchNormalization({ momentum: 1.5 })).toThrow(
      'Invalid value for argument `momentum` of layer "batch_normalization": expected a number between 0 and 1. Received: momentum=1.5',
    );
    expect(() => layers.BatchNormalization({ epsilon: -1 })).toThrow(/`epsilon`.*Received: epsilon=-1/);
    expect(() => layers.BatchNormalization({ axis: 'last' } as never)).toThrow(/`axis`.*expected an integer/);
    expect(() => layers.BatchNormalization({ center: 'yes' } as never)).toThrow(/`center`.*must be a boolean/);
    expect(() => layers.BatchNormalization({ gammaInitializer: 'twos' })).toThrow(/Unknown initializer for gammaInitializer/);
    expect(() => layers.BatchNormalization({ momentun: 0.9 } as never)).toThrow(
      /Unrecognized option\(s\) passed to BatchNormalization: "momentun"/,
    );
    expect(() => layers.BatchNormalization({ renorm: true })).toThrow(/renorm=true\) is not supported/);
  });

  it('writes the Keras 3 config keys and round-trips', () => {
    const bn = layers.BatchNormalization({
      axis: 1,
      momentum: 0.9,
      gammaRegularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 }, registered_name: null },
    });
    bn(Input({ shape: [3, 8] }));
    expect(Object.keys(bn.getConfig())).toEqual([
      'name', 'trainable', 'dtype', 'axis', 'momentum', 'epsilon', 'center', 'scale',
      'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer',
      'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint', 'synchronized',
    ]);
    expect(bn.getConfig()).toMatchObject({ axis: 1, momentum: 0.9, epsilon: 0.001, synchronized: false });
    expect(bn.getConfig().gamma_regularizer).toMatchObject({ class_name: 'L2', config: { l2: 0.01 } });
    roundTrip(bn);
  });

  it('reads Keras 2 configs that write the axis as a list, and newer ones with renorm=false', () => {
    const bn = deserializeLayer({
      module: 'keras.layers',
      class_name: 'BatchNormalization',
      config: { name: 'bn', axis: [3], momentum: 0.99, epsilon: 0.001, renorm: false, renorm_clipping: null, renorm_momentum: 0.99 },
      registered_name: null,
    });
    expect(bn.getConfig().axis).toBe(3);
    bn(Input({ shape: [4, 4, 8] }));
    expect(bn.countParams()).toBe(32); // 4 * 8
  });
});

describe('LayerNormalization', () => {
  it('has gamma and beta over the last axis by default', () => {
    const ln = layers.LayerNormalization();
    const y = ln(Input({ shape: [10, 32] })) as T;
    expect(y.shape).toEqual([null, 10, 32]);
    expect(weightsOf(ln)).toEqual(['gamma [32] trainable', 'beta [32] trainable']);
    expect(ln.countParams()).toBe(64); // 2 * 32
  });

  it('spans every axis it normalises over', () => {
    const ln = layers.LayerNormalization({ axis: [1, 2] });
    ln(Input({ shape: [10, 32] }));
    expect(weightsOf(ln)).toEqual(['gamma [10,32] trainable', 'beta [10,32] trainable']);
    expect(ln.countParams()).toBe(640); // 2 * 10 * 32
    const rms = layers.LayerNormalization({ rmsScaling: true });
    rms(Input({ shape: [32] }));
    expect(weightsOf(rms)).toEqual(['gamma [32] trainable']); // rms scaling: gamma only
    const plain = layers.LayerNormalization({ center: false, scale: false });
    plain(Input({ shape: [32] }));
    expect(plain.countParams()).toBe(0);
  });

  it('needs the normalised axes to be known, in range and distinct', () => {
    expect(() => layers.LayerNormalization()(Input({ shape: [null] }))).toThrow(
      /Axis -1 of input tensor should have a defined dimension.*\(None, None\).*"layer_normalization"/,
    );
    expect(() => layers.LayerNormalization({ axis: [1, 3] })(Input({ shape: [4, 4] }))).toThrow(
      'Axis 3 is out of bounds for input shape (None, 4, 4). Received: axis=[1,3]',
    );
    expect(() => layers.LayerNormalization({ axis: [2, -1] })(Input({ shape: [4, 4] }))).toThrow(/Duplicate axis/);
    expect(() => layers.LayerNormalization({ axis: 'x' } as never)).toThrow(/Expected an int or a list of ints/);
    expect(() => layers.LayerNormalization({ epsilon: 'small' } as never)).toThrow(/`epsilon`/);
    expect(() => layers.LayerNormalization({ momentum: 0.9 } as never)).toThrow(/Unrecognized option/);
  });

  it('writes its axis as a list once built, as Keras 3 does, and round-trips', () => {
    const ln = layers.LayerNormalization({ epsilon: 1e-6 });
    expect(ln.getConfig().axis).toBe(-1);
    roundTrip(ln);
    ln(Input({ shape: [8] }));
    expect(ln.getConfig()).toMatchObject({ axis: [-1], epsilon: 1e-6, center: true, scale: true, rms_scaling: false });
    expect(Object.keys(ln.getConfig())).toEqual([
      'name', 'trainable', 'dtype', 'axis', 'epsilon', 'center', 'scale', 'rms_scaling',
      'beta_initializer', 'gamma_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint',
    ]);
    roundTrip(ln);
  });
});

describe('models with normalization', () => {
  it('round-trips through JSON to an identical model', () => {
    const inputs = Input({ shape: [12, 16], name: 'seq' });
    let x = layers.LayerNormalization({ epsilon: 1e-6 })(inputs);
    x = layers.Dense(16)(x);
    x = layers.BatchNormalization({ momentum: 0.9 })(x);
    const outputs = layers.LayerNormalization({ axis: [1, 2] })(x);
    const model = new Functional({ inputs, outputs, name: 'norms' });
    // 2*16 + (16*16+16) + 4*16 + 2*12*16
    expect(summarize(model).totalParams).toBe(32 + 272 + 64 + 384);
    const json = modelToJSON(model);
    resetNames();
    expect(modelToJSON(modelFromJSON(json))).toBe(json);
  });
});
