/**
 * The activation layers with options (Softmax on any axis, ReLU, LeakyReLU, ELU, PReLU,
 * Identity) against TensorFlow.js: tfjs' layers where they have the option, Keras 3's
 * formulas written with tfjs ops where they do not (ReLU's threshold and negative slope,
 * Softmax over several axes).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { layers } from '../../../../electron/engine/frontends/dsl.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: float32 element-wise kernels against tfjs' float32 CPU backend; relative 1e-4
// with an absolute floor of 1e-5.
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  if (r.inputGradient) expect(closeness(r.inputGradient.strata, r.inputGradient.reference), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weightGradients) expect(closeness(w.strata, w.reference), w.name).toBeLessThanOrEqual(1);
}

/** Keras 3's relu(x, negative_slope, max_value, threshold). */
function kerasRelu(slope: number, maxValue: number | null, threshold: number) {
  return (x: tf.Tensor) => {
    const above = maxValue === null ? x : tf.minimum(x, maxValue);
    const mask = tf.step(tf.sub(x, threshold)); // 1 above the threshold, 0 below (no gradient)
    return tf.add(tf.mul(mask, above), tf.mul(tf.sub(1, mask), tf.mul(tf.sub(x, threshold), slope)));
  };
}

describe('Softmax layer kernels', () => {
  it('the last axis agrees with tfjs', () => {
    expectAgreement(checkLayer({ layer: layers.Softmax(), reference: tf.layers.softmax({ axis: -1 }), inputShape: [4, 5] }));
  });

  // tfjs' softmax takes only the last axis: exp(x - logsumexp(x)) along the others.
  for (const [axis, shape] of [
    [1, [4, 5]],
    [1, [3, 4, 2]],
    [2, [3, 4, 2]],
    [-2, [6, 3]],
  ] as Array<[number, number[]]>) {
    it(`axis ${axis} of a ${shape.length + 1}-D input agrees with tfjs ops`, () => {
      expectAgreement(
        checkLayer({ layer: layers.Softmax({ axis }), reference: (x) => tf.exp(tf.sub(x, tf.logSumExp(x, axis, true))), inputShape: shape }),
      );
    });
  }

  it('adjacent axes [2, 3] agree with softmax over their joint positions', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Softmax({ axis: [2, 3] }),
        reference: (x) => tf.exp(tf.sub(x, tf.logSumExp(x, [2, 3], true))),
        inputShape: [3, 4, 2],
      }),
    );
  });

  it('axes that are not adjacent ([1, 3]) follow Keras\' exp(x - logsumexp(x))', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Softmax({ axis: [1, 3] }),
        reference: (x) => tf.exp(tf.sub(x, tf.logSumExp(x, [1, 3], true))),
        inputShape: [3, 4, 2],
      }),
    );
  });
});

describe('ReLU / LeakyReLU / ELU layer kernels', () => {
  it('ReLU() agrees with tfjs', () => {
    expectAgreement(checkLayer({ layer: layers.ReLU(), reference: tf.layers.reLU(), inputShape: [6] }));
  });

  it('ReLU({ maxValue: 0.5 }) agrees with tfjs', () => {
    expectAgreement(checkLayer({ layer: layers.ReLU({ maxValue: 0.5 }), reference: tf.layers.reLU({ maxValue: 0.5 }), inputShape: [3, 5] }));
  });

  for (const [title, args] of [
    ['negativeSlope', { negativeSlope: 0.1 }],
    ['threshold', { threshold: 0.3 }],
    ['negativeSlope and threshold', { negativeSlope: 0.2, threshold: 0.5 }],
    ['every option', { negativeSlope: 0.05, threshold: 0.2, maxValue: 1.1 }],
    ['maxValue 6 (relu6)', { maxValue: 6 }],
  ] as Array<[string, { negativeSlope?: number; threshold?: number; maxValue?: number }]>) {
    it(`ReLU with ${title} follows Keras 3's formula`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.ReLU(args),
          reference: kerasRelu(args.negativeSlope ?? 0, args.maxValue ?? null, args.threshold ?? 0),
          inputShape: [4, 5],
          input: (rng, n) => Float32Array.from({ length: n }, () => rng.normal() * 3),
        }),
      );
    });
  }

  for (const alpha of [0.3, 0.01]) {
    it(`LeakyReLU (negative slope ${alpha}) agrees with tfjs`, () => {
      expectAgreement(checkLayer({ layer: layers.LeakyReLU({ negativeSlope: alpha }), reference: tf.layers.leakyReLU({ alpha }), inputShape: [7] }));
    });
  }

  it('LeakyReLU defaults to Keras 3\'s slope 0.3', () => {
    expectAgreement(checkLayer({ layer: layers.LeakyReLU(), reference: (x) => tf.leakyRelu(x, 0.3), inputShape: [7] }));
  });

  it('ELU agrees with tfjs', () => {
    expectAgreement(checkLayer({ layer: layers.ELU(), reference: tf.layers.elu(), inputShape: [2, 6] }));
  });

  // tfjs' ELU layer takes only alpha 1: Keras' formula for the others.
  for (const alpha of [0.5, 2]) {
    it(`ELU (alpha ${alpha}) follows x > 0 ? x : alpha * (exp(x) - 1)`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.ELU({ alpha }),
          reference: (x) => tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1))),
          inputShape: [2, 6],
        }),
      );
    });
  }

  it('Identity passes values and gradients through', () => {
    expectAgreement(checkLayer({ layer: layers.Identity(), reference: (x) => tf.mul(x, 1), inputShape: [3, 2] }));
  });
});

describe('PReLU layer kernels', () => {
  it('one slope per position agrees with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.PReLU({ alphaInitializer: 'random_uniform' }),
        reference: tf.layers.prelu({}),
        inputShape: [4, 3],
        batch: 5,
      }),
    );
  });

  it('slopes shared along axes [1, 2] (images) agree with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.PReLU({ alphaInitializer: 'random_uniform', sharedAxes: [1, 2] }),
        reference: tf.layers.prelu({ sharedAxes: [1, 2] }),
        inputShape: [3, 4, 2],
        batch: 4,
      }),
    );
  });

  it('slopes shared along axis 2 agree with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.PReLU({ alphaInitializer: 'random_uniform', sharedAxes: 2 }),
        reference: tf.layers.prelu({ sharedAxes: 2 }),
        inputShape: [3, 4, 2],
        batch: 4,
      }),
    );
  });
});
