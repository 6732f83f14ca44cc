import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { layers } from '../../../../electron/engine/frontends/dsl.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: float32 kernels against tfjs' float32 CPU backend; sums of up to a few hundred
// products, so relative 1e-4 with an absolute floor of 1e-5.
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  if (r.inputGradient) expect(closeness(r.inputGradient.strata, r.inputGradient.reference), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weightGradients) expect(closeness(w.strata, w.reference), w.name).toBeLessThanOrEqual(1);
}

describe('Dense kernels agree with tfjs', () => {
  // Activations tfjs names as Keras does; the others are checked below against their formulas.
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'relu6']) {
    it(`activation ${activation}`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.Dense(5, { activation }),
          reference: tf.layers.dense({ units: 5, activation: activation as never, inputShape: [7] }),
          inputShape: [7],
        }),
      );
    });
  }

  it('without bias, on a 3-D input (applied to the last axis)', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Dense(4, { useBias: false }),
        reference: tf.layers.dense({ units: 4, useBias: false, inputShape: [3, 6] }),
        inputShape: [3, 6],
      }),
    );
  });
});

describe('Activation layer kernels agree with tfjs', () => {
  // Keras 3 formulas where tfjs differs or lacks the activation.
  const formulas: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    exponential: (x) => tf.exp(x),
    gelu: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))),
    hard_sigmoid: (x) => tf.div(tf.relu6(tf.add(x, 3)), 6),
    leaky_relu: (x) => tf.leakyRelu(x, 0.2),
    log_softmax: (x) => tf.logSoftmax(x),
    mish: (x) => tf.mul(x, tf.tanh(tf.softplus(x))),
  };
  for (const [activation, f] of Object.entries(formulas)) {
    it(`${activation} (Keras 3 formula)`, () => {
      expectAgreement(checkLayer({ layer: layers.Activation(activation), reference: f, inputShape: [4, 5] }));
    });
  }

  for (const activation of ['relu', 'tanh', 'sigmoid', 'softmax', 'elu', 'softplus']) {
    it(activation, () => {
      expectAgreement(
        checkLayer({ layer: layers.Activation(activation), reference: tf.layers.activation({ activation: activation as never }), inputShape: [4, 5] }),
      );
    });
  }
});
