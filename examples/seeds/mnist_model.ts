/**
 * mnist_model — the first model of the functional API guides:
 *   - "The Functional API" (R, keras 2.9; seeds/000), section "Introduction"
 *   - "The Keras functional API" (Python, tf.keras; seeds/001), section "Introduction"
 * 784-dimensional inputs → Dense(64, relu) → Dense(64, relu) → Dense(10) logits.
 * Both guides print the summary: 55,050 params, all trainable.
 *
 * Compiled as in "Training, evaluation, and inference": SparseCategoricalCrossentropy on the
 * logits (from_logits=True), RMSprop, accuracy.
 */
import { Input, Model, layers, losses, optimizers } from 'strata';

const inputs = Input({ shape: [784] });

const dense = layers.Dense(64, { activation: 'relu' });
let x = dense(inputs);

x = layers.Dense(64, { activation: 'relu' })(x);
const outputs = layers.Dense(10)(x);

const model = Model({ inputs, outputs, name: 'mnist_model' });
model.summary();

model.compile({
  loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }),
  optimizer: optimizers.RMSprop(),
  metrics: ['accuracy'],
});

export default model;
