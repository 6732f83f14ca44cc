/**
 * toy_resnet — seeds/000 (R) and seeds/001 (Python), section "A toy ResNet model": a small
 * CIFAR-10 convnet with two residual blocks (layers.add of a block's input and output).
 * Guide summary: 223,242 params, all trainable.
 *
 * Compiled as the guides train it: RMSprop(1e-3), CategoricalCrossentropy(from_logits=True)
 * (the last Dense gives logits), metric "acc".
 */
import { Input, Model, layers, losses, optimizers } from 'strata';

const inputs = Input({ shape: [32, 32, 3], name: 'img' });
let x = layers.Conv2D(32, 3, { activation: 'relu' })(inputs);
x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
const block1Output = layers.MaxPooling2D(3)(x);

x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block1Output);
x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
const block2Output = layers.add([x, block1Output]);

x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block2Output);
x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
const block3Output = layers.add([x, block2Output]);

x = layers.Conv2D(64, 3, { activation: 'relu' })(block3Output);
x = layers.GlobalAveragePooling2D()(x);
x = layers.Dense(256, { activation: 'relu' })(x);
x = layers.Dropout(0.5)(x);
const outputs = layers.Dense(10)(x);

const model = Model(inputs, outputs, { name: 'toy_resnet' });
model.summary();

model.compile({
  optimizer: optimizers.RMSprop(1e-3),
  loss: losses.CategoricalCrossentropy({ fromLogits: true }),
  metrics: ['acc'],
});

export default model;
