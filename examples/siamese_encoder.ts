/**
 * Siamese network — decides whether two 28x28 grayscale images show the same thing (e.g. the
 * same MNIST digit).
 *
 * One encoder model (two conv/pool stages, then a 128-d embedding) is called on both inputs:
 * calling a model like a layer reuses its weights, so both images are embedded the same way
 * and the encoder learns from both. The two embeddings are compared element-wise with the
 * squared difference, (a - b) * (a - b) (layers.subtract then layers.multiply), and a sigmoid
 * unit turns that into the probability that the pair matches.
 *
 * Encoder 223,744 params (counted once although it is used twice) + head 129 = 223,873 params,
 * all trainable. Train on pairs with 0/1 labels (binary crossentropy).
 */
import { Input, Model, layers } from 'strata';

// The shared encoder
const image = Input({ shape: [28, 28, 1], name: 'image' });
let x = layers.Conv2D(32, 3, { activation: 'relu' })(image);
x = layers.MaxPooling2D(2)(x);
x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
x = layers.MaxPooling2D(2)(x);
x = layers.Flatten()(x);
const embedding = layers.Dense(128, { activation: 'relu' })(x);
const encoder = Model(image, embedding, { name: 'encoder' });

// Two inputs, one encoder
const left = Input({ shape: [28, 28, 1], name: 'left' });
const right = Input({ shape: [28, 28, 1], name: 'right' });
const encodedLeft = encoder(left);
const encodedRight = encoder(right);

// Distance: the element-wise squared difference of the embeddings
const difference = layers.subtract([encodedLeft, encodedRight]);
const squared = layers.multiply([difference, difference]);
const same = layers.Dense(1, { activation: 'sigmoid', name: 'same' })(squared);

const model = Model({ inputs: [left, right], outputs: same, name: 'siamese_encoder' });
model.compile({
  optimizer: 'adam',
  loss: 'binary_crossentropy',
  metrics: ['accuracy'],
});

export default model;
