/**
 * A densely-connected network — the first example of the older guides:
 *   - "Guide to the Functional API" (R vignette; seeds/002), section "First example: a
 *     densely-connected network"
 *   - "Getting started with the Keras functional API" (Python notebook; seeds/004), section
 *     "First example: a densely-connected network"
 * 784 → Dense(64, relu) → Dense(64, relu) → Dense(10, softmax), compiled with rmsprop,
 * categorical_crossentropy and accuracy. Unlike mnist_model.ts its last layer is a softmax and
 * it is compiled. No summary printed; 55,050 params, all trainable (same layers as
 * mnist_model: 784·64+64 + 64·64+64 + 64·10+10).
 */
import { Input, Model, layers } from 'strata';

// This returns a tensor
const inputs = Input({ shape: [784] });

// a layer instance is callable on a tensor, and returns a tensor
let x = layers.Dense(64, { activation: 'relu' })(inputs);
x = layers.Dense(64, { activation: 'relu' })(x);
const predictions = layers.Dense(10, { activation: 'softmax' })(x);

// This creates a model that includes the Input layer and three Dense layers
const model = Model({ inputs, outputs: predictions });
model.compile({
  optimizer: 'rmsprop',
  loss: 'categorical_crossentropy',
  metrics: ['accuracy'],
});

export default model;
