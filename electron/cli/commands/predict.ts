/** `strata predict <model> --data mnist`: Keras' predict() on a dataset split. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { encodeNpy } from '../../engine/data/writers/npy.js';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';
import type { ArrayData } from '../../engine/training/data-adapter.js';
import { Trainer } from '../../engine/training/trainer.js';
import type { CommandSpec } from '../command.js';
import { BATCH_SIZE_OPTION, DATA_OPTION, SPLIT_OPTION, batchSize, datasetSplit, loadDataset, modelInputs, modelTargets, numberOption } from '../dataset-options.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';

/** The index of the largest value of each row (a class prediction), or null for one-value rows. */
function classes(out: ArrayData): Int32Array | null {
  const width = out.data.length / out.shape[0]!;
  if (width < 2) return null;
  const n = out.shape[0]!;
  const best = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 1; j < width; j++) if (out.data[i * width + j]! > out.data[i * width + best[i]!]!) best[i] = j;
  }
  return best;
}

export const predictCommand: CommandSpec = {
  name: 'predict',
  summary: "run a model's predict() on a dataset and show or save the outputs",
  description:
    "Loads the model (a saved .keras file, or a model file with its initial weights) and runs Keras' predict() on the dataset's test split (or --split train). Prints the first --limit samples: each output's values and, for outputs of several values, the predicted class next to the dataset's label. --out writes every output of every sample to a NumPy .npy file.",
  arguments: [{ name: '<model>', description: 'a saved model (.keras) or a model file (.ts)' }],
  options: [
    DATA_OPTION,
    SPLIT_OPTION,
    BATCH_SIZE_OPTION,
    { name: 'limit', type: 'string', value: 'n', description: 'samples to print (default 10)' },
    { name: 'out', type: 'string', value: 'file.npy', description: 'write all predictions as .npy (one file per output when the model has several: file.<output>.npy)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object per sample: {"index", "<output>": [...], "class", "label"}' },
    CUSTOM_LAYERS_OPTION,
  ],
  examples: ['strata predict runs/mnist/model.keras --data mnist --limit 5', 'strata predict model.keras --data mnist --out predictions.npy'],
  modelFileArgument: 0,
  async run({ args, options, io }) {
    const out = options.out;
    if (out !== undefined && (typeof out !== 'string' || !out.endsWith('.npy'))) throw new UsageError(`--out takes a file name ending in .npy; received "${String(out)}".`);
    const limit = numberOption(options.limit, 'limit', true) ?? 10;
    const { model } = await loadModel(args[0]!, io, options['custom-layers']);
    const split = datasetSplit(loadDataset(options.data), options.split, String(options.data));
    const outputs = new Trainer(model).predict(modelInputs(model, split), { batchSize: batchSize(options) });
    const labels = modelTargets(split)[0];
    const names = model.outputNames;
    const predicted = outputs.map(classes);
    const n = outputs[0]!.shape[0]!;
    for (let i = 0; i < Math.min(limit, n); i++) {
      const row: Record<string, unknown> = { index: i };
      outputs.forEach((o, k) => {
        const width = o.data.length / n;
        row[names[k]!] = Array.from(o.data.subarray(i * width, (i + 1) * width), (v) => Number(v.toPrecision(6)));
        if (predicted[k]) row[names.length > 1 ? `${names[k]}_class` : 'class'] = predicted[k]![i];
      });
      if (labels && labels.data.length === n) row.label = labels.data[i];
      io.stdout(options.json ? `${JSON.stringify(row)}\n` : `${Object.entries(row).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : v}`).join('  ')}\n`);
    }
    if (typeof out === 'string') {
      outputs.forEach((o, k) => {
        const path = resolve(outputs.length > 1 ? out.replace(/\.npy$/, `.${names[k]}.npy`) : out);
        mkdirSync(dirname(path), { recursive: true });
        writeFileAtomic(path, encodeNpy({ shape: o.shape, data: o.data as Float32Array }));
        if (!options.json) io.stdout(`Wrote ${o.shape.join('×')} predictions to ${path}\n`);
      });
    }
    return EXIT_OK;
  },
};
