/**
 * Siamese LSTM — seeds/003 (Python notebook, DLwP chapter 7), section "Layer weight sharing":
 * scores the semantic similarity of two sentences (variable-length sequences of 128-d
 * vectors). The relation is symmetric, so one LSTM(32) instance encodes both (its weights are
 * learned from both inputs); the codes are concatenated under a sigmoid unit.
 * No summary printed; 4·(32·(128+32)+32) = 20,608 + (64+1) = 20,673 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

// Instantiates a single LSTM layer, once
const lstm = layers.LSTM(32);

// Building the left branch of the model:
// inputs are variable-length sequences of vectors of size 128.
const leftInput = Input({ shape: [null, 128] });
const leftOutput = lstm(leftInput);

// Building the right branch of the model:
// when you call an existing layer instance, you reuse its weights.
const rightInput = Input({ shape: [null, 128] });
const rightOutput = lstm(rightInput);

// Builds the classifier on top
const merged = layers.concatenate([leftOutput, rightOutput], { axis: -1 });
const predictions = layers.Dense(1, { activation: 'sigmoid' })(merged);

// Instantiating and training the model: when you train such a model,
// the weights of the LSTM layer are updated based on both inputs.
const model = Model([leftInput, rightInput], predictions);

export default model;
