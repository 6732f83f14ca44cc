/**
 * The functional equivalent of seq_model (64 → 32 → 32 → 10) — seeds/003 (Python notebook,
 * DLwP chapter 7), section "Show side by side a simple Sequential model and its equivalent in
 * the functional API" ("Equivalent functional API"), compiled as the notebook does with
 * rmsprop and categorical_crossentropy.
 * Guide summary: input 0 + 2,080 + 1,056 + 330 = 3,466 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const inputTensor = Input({ shape: [64] });
const x = layers.Dense(32, { activation: 'relu' })(inputTensor);
const y = layers.Dense(32, { activation: 'relu' })(x);
const outputTensor = layers.Dense(10, { activation: 'softmax' })(y);

// Instantiating a Model object using only an input tensor and an output tensor.
const model = Model(inputTensor, outputTensor);
model.summary();

// Compiling, training and evaluating work as for a Sequential model.
model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });

export default model;
