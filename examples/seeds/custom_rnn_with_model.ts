/**
 * CustomRNN holding a functional model — seeds/000 (R) and seeds/001 (Python), section
 * "Mix-and-match API styles", first example: a functional model (sequences of 32-d vectors →
 * GlobalAveragePooling1D → Dense(1)) is used inside a custom RNN layer as its classifier.
 * call() loops over the timesteps with two Dense(32, tanh) projections, stacks the step
 * outputs to (batch, 10, 32) and applies the model to them. The guides call the layer on
 * zeros of shape (1, 10, 5); here it is called on an Input of batch shape (1, 10, 5) so that
 * it is a model. Output (1, 1).
 * Written as in Keras 3 (ops.zeros, x[:, t, :] as ops.take(x, t, 1), ops.stack).
 * No summary printed; projection_1 5·32+32 = 192, projection_2 32·32+32 = 1,056, classifier
 * model 32+1 = 33: 1,281 params, all trainable.
 */
import { Input, Model, layers, ops, registerLayer } from 'strata';

const units = 32;
const timesteps = 10;
const inputDim = 5;

// Define a Functional model
const modelInputs = Input({ shape: [null, units] });
const pooled = layers.GlobalAveragePooling1D()(modelInputs);
const modelOutputs = layers.Dense(1)(pooled);
const model = Model(modelInputs, modelOutputs);

class CustomRNN extends layers.Layer {
  units = units;
  projection1 = layers.Dense(units, { activation: 'tanh' });
  projection2 = layers.Dense(units, { activation: 'tanh' });
  // Our previously-defined Functional model
  classifier = model;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override call(inputs: any) {
    const outputs = [];
    let state = ops.zeros([inputs.shape[0], this.units]);
    for (let t = 0; t < inputs.shape[1]; t++) {
      const x = ops.take(inputs, t, 1); // inputs[:, t, :]
      const h = this.projection1(x);
      const y = ops.add(h, this.projection2(state));
      state = y;
      outputs.push(y);
    }
    const features = ops.stack(outputs, 1);
    console.log(JSON.stringify(features.shape)); // [1,10,32]
    return this.classifier(features);
  }
}
registerLayer('CustomRNN', CustomRNN);

const inputs = Input({ batchShape: [1, timesteps, inputDim] });
const outputs = new CustomRNN()(inputs);

export default Model(inputs, outputs, { name: 'custom_rnn_with_model' });
