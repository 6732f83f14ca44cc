/**
 * Shared LSTM over two tweets — seeds/002 (R vignette), section "Shared layers": tells whether
 * two tweets come from the same person. Each tweet is a (280, 256) binary matrix (280
 * characters, one-hot over 256 frequent characters); one LSTM(64) layer instance encodes both
 * (weights and all), the two codes are concatenated and a logistic regression sits on top.
 * Compiled with rmsprop, binary_crossentropy and accuracy.
 * No summary printed; LSTM 4·(64·(256+64)+64) = 82,176 + Dense 128+1 = 82,305 params, all
 * trainable.
 */
import { Input, Model, layers } from 'strata';

const tweetA = Input({ shape: [280, 256] });
const tweetB = Input({ shape: [280, 256] });

// This layer can take as input a matrix and will return a vector of size 64
const sharedLstm = layers.LSTM(64);

// When we reuse the same layer instance multiple times, the weights of the layer are also
// being reused (it is effectively *the same* layer)
const encodedA = sharedLstm(tweetA);
const encodedB = sharedLstm(tweetB);

// We can then concatenate the two vectors and add a logistic regression on top
const predictions = layers.Dense(1, { activation: 'sigmoid' })(layers.concatenate([encodedA, encodedB], { axis: -1 }));

// We define a trainable model linking the tweet inputs to the predictions
const model = Model({ inputs: [tweetA, tweetB], outputs: predictions });

model.compile({
  optimizer: 'rmsprop',
  loss: 'binary_crossentropy',
  metrics: ['accuracy'],
});

export default model;
