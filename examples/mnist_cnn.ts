/**
 * MNIST convnet — the classic small convolutional classifier for 28x28 grayscale digits (as in
 * Keras' "Simple MNIST convnet" example), written as a Sequential model:
 *   Conv2D 32 3x3 → 2x2 max-pool → Conv2D 64 3x3 → 2x2 max-pool → flatten → dropout 0.5 →
 *   Dense(10, softmax).
 * It reaches about 99% test accuracy in a few epochs.
 *
 * 34,826 params, all trainable. Train with integer labels 0..9 (sparse categorical
 * crossentropy) and pixel values scaled to 0..1.
 */
import { Input, Sequential, layers } from 'strata';

const model = Sequential(
  [
    Input({ shape: [28, 28, 1] }),
    layers.Conv2D(32, 3, { activation: 'relu' }),
    layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, { activation: 'relu' }),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, { activation: 'softmax' }),
  ],
  { name: 'mnist_cnn' },
);

model.compile({
  optimizer: 'adam',
  loss: 'sparse_categorical_crossentropy',
  metrics: ['accuracy'],
});

export default model;
