/**
 * Three-output social-media model — seeds/003 (Python notebook, DLwP chapter 7), section
 * "Multi-output models": from a person's posts (a variable-length word-id sequence, input
 * "posts") predicts age (scalar regression), income group (10-way softmax) and gender
 * (sigmoid), with a 1D convnet over a 50,000-word embedding. Compiled with losses keyed by the
 * output names (age: mse, income: categorical_crossentropy, gender: binary_crossentropy) and
 * loss weights age 0.25, income 1, gender 10 ("Loss weighting").
 * The notebook's summary is cut off after the first Conv1D (embedding 12,800,000 and conv1d
 * 163,968 params, as here); total 14,146,316 params, all trainable (arithmetic in README.md).
 */
import { Input, Model, layers } from 'strata';

const vocabularySize = 50000;
const numIncomeGroups = 10;

const postsInput = Input({ shape: [null], dtype: 'int32', name: 'posts' });

const embeddedPosts = layers.Embedding(vocabularySize, 256)(postsInput);

let x = layers.Conv1D(128, 5, { activation: 'relu' })(embeddedPosts);
x = layers.MaxPooling1D(5)(x);
x = layers.Conv1D(256, 5, { activation: 'relu' })(x);
x = layers.Conv1D(256, 5, { activation: 'relu' })(x);
x = layers.MaxPooling1D(5)(x);
x = layers.Conv1D(256, 5, { activation: 'relu' })(x);
x = layers.Conv1D(256, 5, { activation: 'relu' })(x);
x = layers.GlobalMaxPooling1D()(x);
x = layers.Dense(128, { activation: 'relu' })(x);

// Note that the output layers are given names
const agePrediction = layers.Dense(1, { name: 'age' })(x);
const incomePrediction = layers.Dense(numIncomeGroups, { activation: 'softmax', name: 'income' })(x);
const genderPrediction = layers.Dense(1, { activation: 'sigmoid', name: 'gender' })(x);

const model = Model(postsInput, [agePrediction, incomePrediction, genderPrediction]);
model.summary();

// Loss weighting, with losses and weights keyed by the output names:
model.compile({
  optimizer: 'rmsprop',
  loss: {
    age: 'mse',
    income: 'categorical_crossentropy',
    gender: 'binary_crossentropy',
  },
  lossWeights: {
    age: 0.25,
    income: 1,
    gender: 10,
  },
});

export default model;
