/**
 * Two inputs, two outputs — seeds/004 (Python notebook, Keras 2), section "Multi-input and
 * multi-output models": inputs x_in and y_in (100 features each) each go through their own
 * Dense(64, relu); the two are concatenated and feed two heads, x_out (1, sigmoid) and y_out
 * (10, softmax). The notebook compiles it twice, first with lists
 * (loss ['binary_crossentropy', 'categorical_crossentropy'], loss_weights [1, 0.2]) and then
 * with dictionaries keyed by the output names; both are done here, the second one stays.
 * No summary printed; 2·(100·64+64) + (128+1) + (128·10+10) = 14,347 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const xIn = Input({ shape: [100], name: 'x_in' });
const yIn = Input({ shape: [100], name: 'y_in' });

// a layer instance is callable on a tensor, and returns a tensor
let x = layers.Dense(64, { activation: 'relu' })(xIn);
let y = layers.Dense(64, { activation: 'relu' })(yIn);

const z = layers.concatenate([x, y]);

x = layers.Dense(1, { activation: 'sigmoid', name: 'x_out' })(z);
y = layers.Dense(10, { activation: 'softmax', name: 'y_out' })(z);

// To define a model with multiple inputs or outputs, you just need to specify a list:
const model = Model({ inputs: [xIn, yIn], outputs: [x, y] });

// First, lists of losses and loss weights (in the order of the outputs):
model.compile({
  optimizer: 'rmsprop',
  loss: ['binary_crossentropy', 'categorical_crossentropy'],
  lossWeights: [1, 0.2],
});

// Second, dictionaries keyed by the names of the output layers:
model.compile({
  optimizer: 'rmsprop',
  loss: { x_out: 'binary_crossentropy', y_out: 'categorical_crossentropy' },
  lossWeights: { x_out: 1, y_out: 0.2 },
});

export default model;
