import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { summarize } from '../../../electron/engine/graph/summary.js';
import { loadModelFile, readModelConfig } from '../../../electron/engine/io/model-file.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { architectureWithCustomLayers } from '../../../electron/host/model-evaluation/custom-layers.js';

const SIAMESE = join(__dirname, '../../../../shared/corpus/mmoffatt2__smart_doorlock__siamese_model81.keras');
const dir = mkdtempSync(join(tmpdir(), 'strata-custom-'));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const L1 = `import { layers, ops, registerLayer } from 'strata';
class L1 extends layers.Layer {
  call([a, b]) {
    return ops.abs(ops.subtract(a, b));
  }
}
registerLayer('MyLayers>L1', L1);
`;

beforeEach(() => resetNames());

describe('custom layer classes supplied for a saved Keras model', { timeout: 60_000 }, () => {
  it('open the file: the class runs as its traced call(), the weights load', async () => {
    const architecture = await architectureWithCustomLayers(await readModelConfig(SIAMESE), file('l1.ts', L1));
    const { model, warnings } = await loadModelFile(SIAMESE, { architecture });
    expect(warnings).toEqual([]);
    expect(summarize(model).totalParams).toBe(87735);
    const x = model.inputs.map((t) => {
      const shape = [2, ...(t.shape.slice(1) as number[])];
      return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) };
    });
    const [out] = new Trainer(model).predict(x);
    // The file's own bug: both inputs of l1 are the first tower's output, so |a - b| is 0 and the output is sigmoid(bias).
    expect(out!.shape).toEqual([2, 1]);
    expect(out!.data.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('without the class, the file is refused naming it and saying how to supply it', async () => {
    await expect(loadModelFile(SIAMESE)).rejects.toThrow(/Unknown layer class "MyLayers>L1" .*registerLayer\('MyLayers>L1', L1\).*--custom-layers/);
  });

  it('a file registering another name still leaves the class unknown', async () => {
    const wrong = file('wrong.ts', L1.replace("'MyLayers>L1'", "'Other>L1'"));
    await expect(architectureWithCustomLayers(await readModelConfig(SIAMESE), wrong)).rejects.toThrow(/Unknown layer class "MyLayers>L1"/);
  });

  it('a custom layers file must not export a model of its own', async () => {
    const bad = file('bad.ts', `${L1}export default 1;\n`);
    await expect(architectureWithCustomLayers(await readModelConfig(SIAMESE), bad)).rejects.toThrow(/exports a default value; it should only define and register layer classes/);
  });
});
