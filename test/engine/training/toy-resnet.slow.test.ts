import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

/** The toy ResNet of examples/seeds/toy_resnet.ts: two residual blocks (layers.add). */
function toyResnet() {
  const inputs = Input({ shape: [32, 32, 3], name: 'img' });
  let x = layers.Conv2D(32, 3, { activation: 'relu' })(inputs) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu' })(x) as SymbolicTensor;
  const block1Output = layers.MaxPooling2D(3)(x) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block1Output) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x) as SymbolicTensor;
  const block2Output = layers.add([x, block1Output]) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(block2Output) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu', padding: 'same' })(x) as SymbolicTensor;
  const block3Output = layers.add([x, block2Output]) as SymbolicTensor;
  x = layers.Conv2D(64, 3, { activation: 'relu' })(block3Output) as SymbolicTensor;
  x = layers.GlobalAveragePooling2D()(x) as SymbolicTensor;
  x = layers.Dense(256, { activation: 'relu' })(x) as SymbolicTensor;
  x = layers.Dropout(0.5)(x) as SymbolicTensor;
  const outputs = layers.Dense(10)(x) as SymbolicTensor;
  const model = Model(inputs, outputs, { name: 'toy_resnet' });
  model.compile({ optimizer: optimizers.RMSprop(1e-3), loss: losses.CategoricalCrossentropy({ fromLogits: true }), metrics: ['acc'] });
  return model;
}

/**
 * 32x32 RGB images of ten classes under pixel noise: each class a colour of its own, the
 * class's base-3 digits setting the level of the red, green and blue channels.
 */
function images(n: number, seed: number) {
  const rng = new Random(seed);
  const levels = [0.1, 0.5, 0.9];
  const palette = Array.from({ length: 10 }, (_, c) => [c % 3, Math.floor(c / 3) % 3, Math.floor(c / 9)].map((d) => levels[d]!));
  const x = new Float32Array(n * 32 * 32 * 3);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    for (let p = 0; p < 32 * 32; p++) for (let ch = 0; ch < 3; ch++) x[(i * 1024 + p) * 3 + ch] = palette[c]![ch]! + rng.uniform(-0.3, 0.3);
    y[i * 10 + c] = 1;
  }
  return { x: { shape: [n, 32, 32, 3], data: x }, y: { shape: [n, 10], data: y } };
}

describe('the toy ResNet', () => {
  it('learns to tell ten classes apart', () => {
    const trainer = new Trainer(toyResnet(), 1);
    const train = images(640, 1);
    const h = trainer.fit(train.x, train.y, { epochs: 3, batchSize: 32, verbose: 0 });
    const acc = h.history.acc!;
    expect(acc[2]!).toBeGreaterThan(acc[0]!);
    const test = images(200, 2);
    const logs = trainer.evaluate(test.x, test.y);
    expect(logs.acc).toBeGreaterThan(0.5); // chance is 0.1
  });
});
