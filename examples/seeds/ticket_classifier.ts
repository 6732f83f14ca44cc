/**
 * ticket classifier — seeds/000 (R) and seeds/001 (Python), section "Manipulate complex graph
 * topologies › Models with multiple inputs and outputs". Ranks customer issue tickets by
 * priority and routes them to a department:
 *   inputs  title (variable-length word ids), body (variable-length word ids), tags (12 binary)
 *   outputs priority (1 logit), department (4 logits)
 * No summary printed; 1,392,097 params, all trainable (arithmetic in README.md).
 *
 * Compiled as the guides do: RMSprop(1e-3), BinaryCrossentropy(from_logits=True) for priority
 * and CategoricalCrossentropy(from_logits=True) for department, loss weights 1 and 0.2 — first
 * as lists in output order, then keyed by the output layers' names.
 */
import { Input, Model, layers, losses, optimizers } from 'strata';

const numTags = 12; // Number of unique issue tags
const numWords = 10000; // Size of vocabulary obtained when preprocessing text data
const numDepartments = 4; // Number of departments for predictions

const titleInput = Input({ shape: [null], name: 'title' }); // Variable-length sequence of ints
const bodyInput = Input({ shape: [null], name: 'body' }); // Variable-length sequence of ints
const tagsInput = Input({ shape: [numTags], name: 'tags' }); // Binary vectors of size `numTags`

// Embed each word in the title into a 64-dimensional vector
let titleFeatures = layers.Embedding(numWords, 64)(titleInput);
// Embed each word in the text into a 64-dimensional vector
let bodyFeatures = layers.Embedding(numWords, 64)(bodyInput);

// Reduce sequence of embedded words in the title into a single 128-dimensional vector
titleFeatures = layers.LSTM(128)(titleFeatures);
// Reduce sequence of embedded words in the body into a single 32-dimensional vector
bodyFeatures = layers.LSTM(32)(bodyFeatures);

// Merge all available features into a single large vector via concatenation
const x = layers.concatenate([titleFeatures, bodyFeatures, tagsInput]);

// Stick a logistic regression for priority prediction on top of the features
const priorityPred = layers.Dense(1, { name: 'priority' })(x);
// Stick a department classifier on top of the features
const departmentPred = layers.Dense(numDepartments, { name: 'department' })(x);

// Instantiate an end-to-end model predicting both priority and department
const model = Model({
  inputs: [titleInput, bodyInput, tagsInput],
  outputs: [priorityPred, departmentPred],
});

// Different losses for each output, and a weight for each loss:
model.compile({
  optimizer: optimizers.RMSprop(1e-3),
  loss: [losses.BinaryCrossentropy({ fromLogits: true }), losses.CategoricalCrossentropy({ fromLogits: true })],
  lossWeights: [1, 0.2],
});

// Since the output layers have different names, the same by name:
model.compile({
  optimizer: optimizers.RMSprop(1e-3),
  loss: {
    priority: losses.BinaryCrossentropy({ fromLogits: true }),
    department: losses.CategoricalCrossentropy({ fromLogits: true }),
  },
  lossWeights: { priority: 1.0, department: 0.2 },
});

export default model;
