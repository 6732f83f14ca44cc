/**
 * The issue's end-to-end target: the seed MNIST MLP (examples/seeds/mnist_model.ts, as its
 * file defines and compiles it) trained on the real MNIST on the GPU for 5 epochs at batch
 * 64 reaches at least 0.97 test accuracy — what
 * `strata train examples/seeds/mnist_model.ts --data mnist --epochs 5 --batch-size 64 --device cuda`
 * does. Also, everywhere: the op models' copy of the seed (mnistModel) is the seed.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasets } from '../../../electron/engine/data/index.js';
import { evaluateModelFile } from '../../../electron/host/model-evaluation/index.js';
import { cudaProbe, type Device } from '../../../electron/engine/tensor/device.js';
import type { ArrayData } from '../../../electron/engine/training/data-adapter.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { mnistModel } from './op-models.js';

const SEED = join(fileURLToPath(new URL('../../../', import.meta.url)), 'examples', 'seeds', 'mnist_model.ts');
const probe = cudaProbe(false);
const gpu = probe.built ? probe.devices.find((d) => d.supported) : undefined;
const noGpu = gpu ? '' : ` (skipped: ${probe.problem ?? 'no CUDA device of compute capability 8.0 or newer'})`;

/** Images [n, 28, 28] as the MLP's rows [n, 784] (the same values). */
function rows(image: { shape: number[]; data: ArrayData['data'] }): ArrayData {
  return { shape: [image.shape[0]!, 784], data: image.data };
}

describe('the seed MNIST MLP', () => {
  it('is what the op models train as mnistModel()', async () => {
    const seed = await evaluateModelFile(SEED);
    const copy = mnistModel();
    expect(copy.getConfig()).toEqual(seed.model.getConfig());
    expect(copy.compileConfig).toEqual(seed.model.compileConfig);
  });

  it.skipIf(!gpu)(
    `reaches 0.97 test accuracy in 5 epochs at batch 64 on the GPU${noGpu}`,
    async () => {
      const { model } = await evaluateModelFile(SEED);
      const { train, test } = datasets.mnist().splits;
      const device: Device = `cuda:${gpu!.index}`;
      const trainer = new Trainer(model, 1, { device });
      const history = trainer.fit(rows(train.features.image!), train.targets.label!, { epochs: 5, batchSize: 64, verbose: 0 });
      const losses = history.history.loss!;
      expect(losses[4]!, `losses ${losses.join(', ')}`).toBeLessThan(losses[0]!);
      const logs = trainer.evaluate(rows(test.features.image!), test.targets.label!, { batchSize: 64 });
      expect(logs.accuracy!, `test ${JSON.stringify(logs)}`).toBeGreaterThanOrEqual(0.97);
    },
    300_000,
  );
});
