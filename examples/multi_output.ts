/**
 * Multi-output convnet — one 64x64 RGB image in, two named outputs:
 *   label  which of 10 classes the image shows (softmax), and
 *   bbox   where the object is: 4 numbers (x, y, width, height, scaled to 0..1), a regression.
 * Both heads share one small convnet trunk. compile() takes a loss per output and weights
 * for how much each contributes to the total loss, keyed by the output layers' names (the
 * same names that fit() expects for the targets: { label: …, bbox: … }).
 *
 * 61,390 params, all trainable.
 */
import { Input, Model, layers } from 'strata';

const image = Input({ shape: [64, 64, 3], name: 'image' });

// Shared trunk
let x = layers.Conv2D(32, 3, { activation: 'relu' })(image);
x = layers.MaxPooling2D(2)(x);
x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
x = layers.MaxPooling2D(2)(x);
x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
x = layers.GlobalAveragePooling2D()(x);
x = layers.Dense(64, { activation: 'relu' })(x);

// Two heads, named so that losses, weights, metrics and targets can refer to them
const label = layers.Dense(10, { activation: 'softmax', name: 'label' })(x);
const bbox = layers.Dense(4, { name: 'bbox' })(x);

const model = Model({ inputs: image, outputs: [label, bbox], name: 'multi_output' });
model.compile({
  optimizer: 'adam',
  loss: { label: 'sparse_categorical_crossentropy', bbox: 'mse' },
  lossWeights: { label: 1.0, bbox: 0.5 },
  metrics: { label: ['accuracy'], bbox: ['mae'] },
});

export default model;
