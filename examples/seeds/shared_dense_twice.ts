/**
 * A layer shared in sequence — seeds/004 (Python notebook, Keras 2), section "Shared layers":
 * one Dense(64, relu) instance is applied twice in a row (x = layer(x) twice), then a
 * Dense(10, softmax). Compiled with rmsprop, categorical_crossentropy and accuracy.
 * The shared layer has two nodes and one set of weights.
 * No summary printed; (64·64+64) counted once + (64·10+10) = 4,810 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const inputs = Input({ shape: [64] });

// a layer instance is callable on a tensor, and returns a tensor
const layerWeShare = layers.Dense(64, { activation: 'relu' });

// Now we apply the layer twice
let x = layerWeShare(inputs);
x = layerWeShare(x);

const predictions = layers.Dense(10, { activation: 'softmax' })(x);

const model = Model({ inputs, outputs: predictions });
model.compile({
  optimizer: 'rmsprop',
  loss: 'categorical_crossentropy',
  metrics: ['accuracy'],
});

export default model;
