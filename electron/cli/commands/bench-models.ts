/** The models `strata bench` trains, and how it times them. */
import { Input, Model, layers } from '../../engine/frontends/dsl.js';
import type { Functional } from '../../engine/graph/functional.js';
import { resetNames, type SymbolicTensor } from '../../engine/graph/index.js';
import { Random } from '../../engine/tensor/random.js';
import { Trainer, type TrainerOptions } from '../../engine/training/trainer.js';

/** The seed MNIST model (784-64-64-10). */
export function mlp(): Functional {
  const inputs = Input({ shape: [784] });
  let x = layers.Dense(64, { activation: 'relu' })(inputs);
  x = layers.Dense(64, { activation: 'relu' })(x);
  return Model({ inputs, outputs: layers.Dense(10)(x), name: 'mnist_mlp' });
}

/** The Keras guide's toy ResNet (223,242 parameters). */
export function toyResnet(): Functional {
  const inputs = Input({ shape: [32, 32, 3] });
  let x = layers.Conv2D(32, 3, { activation: 'relu' })(inputs) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
  const block1 = layers.MaxPooling2D(3)(x) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block1);
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
  const block2 = layers.add([x, block1]) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block2);
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x);
  x = layers.add([x, block2]);
  x = layers.Conv2D(64, 3, { activation: 'relu' })(x);
  x = layers.GlobalAveragePooling2D()(x);
  x = layers.Dense(256, { activation: 'relu' })(x);
  x = layers.Dropout(0.5)(x);
  return Model({ inputs, outputs: layers.Dense(10)(x), name: 'toy_resnet' });
}

/** Conv 3x3 (no bias) + BatchNormalization (+ relu): the unit of a ResNet basic block. */
function convBn(x: SymbolicTensor, filters: number, strides: number, relu: boolean): SymbolicTensor {
  let y = layers.Conv2D(filters, 3, { strides, padding: 'same', useBias: false })(x) as SymbolicTensor;
  y = layers.BatchNormalization()(y) as SymbolicTensor;
  return relu ? (layers.ReLU()(y) as SymbolicTensor) : y;
}

/** A ResNet-18 for 32x32 images: 4 stages of 2 basic blocks, 64 to 512 filters (11.2M parameters). */
export function resnet18(): Functional {
  const inputs = Input({ shape: [32, 32, 3] });
  let x = convBn(inputs, 64, 1, true);
  for (const [stage, filters] of [64, 128, 256, 512].entries()) {
    for (let block = 0; block < 2; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      let shortcut = x;
      if (strides !== 1) {
        shortcut = layers.Conv2D(filters, 1, { strides, useBias: false })(x) as SymbolicTensor;
        shortcut = layers.BatchNormalization()(shortcut) as SymbolicTensor;
      }
      const y = convBn(convBn(x, filters, strides, true), filters, 1, false);
      x = layers.ReLU()(layers.add([y, shortcut])) as SymbolicTensor;
    }
  }
  x = layers.GlobalAveragePooling2D()(x) as SymbolicTensor;
  return Model({ inputs, outputs: layers.Dense(10)(x), name: 'resnet18' });
}

/** Training samples per second: one warm-up epoch, then `epochs` timed ones. */
export function trainSpeed(build: () => Functional, sampleShape: number[], samples: number, epochs: number, batchSize = 64, device: TrainerOptions = {}): number {
  resetNames();
  const model = build();
  model.compile({ optimizer: 'rmsprop', loss: { className: 'SparseCategoricalCrossentropy', config: { from_logits: true } } });
  const rng = new Random(3);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const x = { shape: [samples, ...sampleShape], data: Float32Array.from({ length: samples * size }, () => rng.normal()) };
  const y = { shape: [samples], data: Int32Array.from({ length: samples }, () => rng.int(10)) };
  const trainer = new Trainer(model, 1, device);
  trainer.fit(x, y, { batchSize, epochs: 1, verbose: 0 });
  const start = performance.now();
  trainer.fit(x, y, { batchSize, epochs, verbose: 0 });
  return (samples * epochs) / ((performance.now() - start) / 1000);
}

/** The figure, or the message of what failed. */
export function attempt(f: () => number): number | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}
