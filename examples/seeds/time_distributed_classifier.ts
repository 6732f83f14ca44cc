/**
 * Models are callable, and TimeDistributed(model) — seeds/002 (R vignette) and seeds/004
 * (Python notebook), section "All models are callable, just like layers":
 *   1. the densely-connected 784 → 64 → 64 → 10 softmax classifier (dense_network.ts) is
 *      called on a new Input like a layer (`y = model(x)`), reusing its weights;
 *   2. TimeDistributed(model) applies it to every timestep of a sequence of 20 vectors of
 *      size 784, turning an image classifier into a sequence classifier: output (None, 20, 10).
 * The guides stop at `processed_sequences`; the model here goes from `input_sequences` to it.
 * No summary printed; the only weights are the classifier's, counted once: 55,050 params, all
 * trainable.
 */
import { Input, Model, layers } from 'strata';

const inputs = Input({ shape: [784] });
let x = layers.Dense(64, { activation: 'relu' })(inputs);
x = layers.Dense(64, { activation: 'relu' })(x);
const predictions = layers.Dense(10, { activation: 'softmax' })(x);
const model = Model({ inputs, outputs: predictions });

const xIn = Input({ shape: [784] });
// This works, and returns the 10-way softmax we defined above.
const y = model(xIn);
console.log(JSON.stringify(y.shape)); // [null,10]

// Input tensor for sequences of 20 timesteps,
// each containing a 784-dimensional vector
const inputSequences = Input({ shape: [20, 784] });

// This applies our previous model to every timestep in the input sequences.
// the output of the previous model was a 10-way softmax,
// so the output of the layer below will be a sequence of 20 vectors of size 10.
const processedSequences = layers.TimeDistributed(model)(inputSequences);

export default Model(inputSequences, processedSequences, { name: 'time_distributed_classifier' });
