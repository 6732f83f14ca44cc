/**
 * Graph → code → graph is the identity for every example model: the code generated from a
 * model's config evaluates to the same config, and generating again gives the same code.
 */
import { describe, expect, it } from 'vitest';
import { generateModelCode } from '../../../electron/host/model-code/index.js';
import { customLayerClasses } from '../../../electron/host/model-code/custom-layers.js';
import { evaluated, exampleCode, exampleFiles } from './helpers.js';

describe('generateModelCode', () => {
  for (const file of exampleFiles()) {
    it(`round-trips examples/${file}`, async () => {
      const first = await evaluated(exampleCode(file), file);
      const custom = customLayerClasses(first.config);
      if (custom.length > 0) {
        expect(() => generateModelCode(first.config)).toThrow(`it uses custom layer classes (${custom.join(', ')})`);
        return;
      }
      const code = generateModelCode(first.config);
      const second = await evaluated(code, `generated/${file}`);
      expect(second.config).toEqual(first.config);
      expect(generateModelCode(second.config)).toBe(code);
    });
  }

  it('writes the MNIST model as a person would', async () => {
    const { config } = await evaluated(exampleCode('seeds/mnist_model.ts'));
    expect(generateModelCode(config)).toBe(
      [
        "import { Input, Model, layers, losses } from 'strata';",
        '',
        'const inputLayer = Input({ shape: [784] });',
        "const dense = layers.Dense(64, { activation: 'relu' })(inputLayer);",
        "const dense1 = layers.Dense(64, { activation: 'relu' })(dense);",
        'const dense2 = layers.Dense(10)(dense1);',
        "const model = Model({ inputs: inputLayer, outputs: dense2, name: 'mnist_model' });",
        'model.compile({',
        "  optimizer: 'rmsprop',",
        '  loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }),',
        "  metrics: ['accuracy'],",
        '});',
        '',
        'export default model;',
        '',
      ].join('\n'),
    );
  });

  it('declares a shared layer once and calls it, and merges with the layers.* helpers', async () => {
    const { config } = await evaluated(exampleCode('seeds/siamese_lstm.ts'));
    const code = generateModelCode(config);
    expect(code).toContain('const lstm = layers.LSTM(32);');
    expect(code).toContain('const lstmOut1 = lstm(inputLayer);');
    expect(code).toContain('const lstmOut2 = lstm(inputLayer1);');
    expect(code).toContain('const concatenate = layers.concatenate([lstmOut1, lstmOut2]);');
  });

  it('builds nested models before calling them', async () => {
    const { config } = await evaluated(exampleCode('seeds/autoencoder_nested.ts'));
    const code = generateModelCode(config);
    const encoder = code.indexOf("const encoder = Model({ inputs: originalImg, outputs: globalMaxPooling2d, name: 'encoder' });");
    expect(encoder).toBeGreaterThan(0);
    expect(code.indexOf('const encoderOut = encoder(img);')).toBeGreaterThan(encoder);
  });

  it('writes names only where the engine would name a layer differently', async () => {
    const { config } = await evaluated(
      [
        "import { Input, Model, layers } from 'strata';",
        'const inputs = Input({ shape: [4] });',
        "const unused = layers.Dense(2);",
        "const x = layers.Dense(3, { name: 'hidden' })(inputs);",
        'export default Model(inputs, layers.Dense(1)(x));',
      ].join('\n'),
    );
    const code = generateModelCode(config);
    expect(code).toContain("layers.Dense(3, { name: 'hidden' })");
    // The unused layer took the name `dense`: the output layer is `dense_1`, written out.
    expect(code).toContain("layers.Dense(1, { name: 'dense_1' })");
    expect(code).toContain('const model = Model({ inputs: inputLayer, outputs: dense1 });');
  });
});
