/**
 * Every example model file (examples/seeds/*.ts and examples/*.ts), evaluated in the model
 * sandbox as the app does, survives saving and loading as .keras and as legacy .h5: config,
 * weights bit for bit, predictions on a small random batch, and for the compiled ones the
 * optimizer state and the losses of further training (see round-trip-check.ts). Custom layers
 * come back from the sandbox as traced layers, so their round trip is the one a user's model
 * file takes. Slow: several of the models hold over 100 million parameters.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, it } from 'vitest';
import type { Functional } from '../../../electron/engine/graph/functional.js';
import type { Layer } from '../../../electron/engine/graph/layer.js';
import { resetNames } from '../../../electron/engine/graph/naming.js';
import { evaluateModelFile } from '../../../electron/host/model-evaluation/index.js';
import { expectRoundTrip, type RoundTripOptions } from './round-trip-check.js';

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');

function modelFiles(): string[] {
  const list = (sub: string) =>
    readdirSync(join(examplesDir, sub), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => (sub ? `${sub}/${e.name}` : e.name));
  return [...list('seeds'), ...list('')].sort();
}

/**
 * Models whose predictions are not compared, by file: their config and weights still
 * round-trip. `error` is the engine's for a model it cannot run yet (the check fails the day it
 * runs); without one, the model is too large to run here.
 */
const NO_PREDICTIONS: Record<string, { why: string; error?: RegExp }> = {
  'seeds/video_qa_model.ts': { why: 'one sample is 100 frames through a VGG-style network, over 1 TFLOP and tens of GB of step buffers' },
};

/** Inputs some models need: five stages of Conv1D(5) and MaxPooling1D(5) leave nothing of a short text. */
const OPTIONS: Record<string, RoundTripOptions> = {
  'seeds/posts_multi_output.ts': { openLength: 300 },
};

/** Every layer of a model, nested models included. */
function allLayers(model: Functional): Layer[] {
  return model.layers.flatMap((l) => ('layers' in l ? [l, ...allLayers(l as Functional)] : [l]));
}

/** Ids every Embedding of the model accepts: below the smallest input_dim. */
function ids(model: Functional): number {
  const dims = allLayers(model).flatMap((l) => (l.className === 'Embedding' ? [(l as unknown as { inputDim: number }).inputDim] : []));
  return Math.min(...dims, 1000);
}

beforeEach(() => resetNames());

describe('round trip of every example model through .keras and .h5', () => {
  for (const file of modelFiles()) {
    const gap = NO_PREDICTIONS[file];
    it(gap ? `${file} — no predictions: ${gap.why}` : file, async () => {
      const { model } = await evaluateModelFile(join(examplesDir, file));
      const options: RoundTripOptions = { samples: 2, ids: ids(model), ...OPTIONS[file], ...(gap && { noPredictions: gap.error ?? 'too large' }) };
      await expectRoundTrip(model, file.replace(/\W/g, '_'), options);
    });
  }
});
