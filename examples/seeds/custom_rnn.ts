/**
 * CustomRNN in a functional model — seeds/000 (R) and seeds/001 (Python), section "Mix-and-
 * match API styles", the last example ("a custom RNN, written from scratch, being used in a
 * functional model"). A custom layer whose call() loops over the timesteps: at each step
 * y = projection_1(x_t) + projection_2(state) (two Dense(32, tanh) layers), state = y; the
 * step outputs are stacked on axis 1 and a Dense(1) classifier is applied. The input has a
 * static batch size (batch_shape (16, 10, 5)) because call() creates the zero state from it;
 * a Conv1D(32, 3) comes first, so the output is (16, 8, 1).
 * Written as in Keras 3 (ops.zeros, x[:, t, :] as ops.take(x, t, 1), ops.stack).
 * No summary printed; Conv1D 3·5·32+32 = 512, projection_1 32·32+32 = 1,056, projection_2
 * 1,056, classifier 32+1 = 33: 2,657 params, all trainable.
 */
import { Input, Model, layers, ops, registerLayer } from 'strata';

const units = 32;
const timesteps = 10;
const inputDim = 5;
const batchSize = 16;

class CustomRNN extends layers.Layer {
  units = units;
  projection1 = layers.Dense(units, { activation: 'tanh' });
  projection2 = layers.Dense(units, { activation: 'tanh' });
  classifier = layers.Dense(1);

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
    return this.classifier(features);
  }
}
registerLayer('CustomRNN', CustomRNN);

// Note that you specify a static batch size for the inputs with the `batchShape`
// arg, because the inner computation of `CustomRNN` requires a static batch size
// (when you create the `state` zeros tensor).
const inputs = Input({ batchShape: [batchSize, timesteps, inputDim] });
const x = layers.Conv1D(32, 3)(inputs);
const outputs = new CustomRNN()(x);

const model = Model(inputs, outputs);

export default model;
