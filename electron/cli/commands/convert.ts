/** `strata convert <in> <out>`: re-saves a model in another file format. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { saveModel } from '../../engine/io/model-file.js';
import type { CommandSpec } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';

export const convertCommand: CommandSpec = {
  name: 'convert',
  summary: 'convert a model between file formats (.keras, legacy .h5, TensorFlow.js, model files)',
  description:
    'Reads a model — a saved file in any format Strata opens (.keras, legacy Keras .h5, a TensorFlow.js model.json or its folder), or a model file (.ts) with its initial weights — and writes it in the format the output name asks for: .keras (Keras 3), .h5 (legacy Keras) or a path ending in model.json (TensorFlow.js, with its weight files beside it). Architecture, weights and compile options carry over, and the optimizer state too except into TensorFlow.js. Each file is written atomically.',
  arguments: [
    { name: '<in>', description: 'the model to read' },
    { name: '<out>', description: 'the file to write; its ending picks the format' },
  ],
  options: [CUSTOM_LAYERS_OPTION],
  examples: ['strata convert old_model.h5 model.keras', 'strata convert model.keras model.h5', 'strata convert model.keras web/model.json'],
  modelFileArgument: 0,
  async run({ args, options, io }) {
    const { model } = await loadModel(args[0]!, io, options['custom-layers']);
    const out = resolve(args[1]!);
    mkdirSync(dirname(out), { recursive: true });
    saveModel(model, out);
    io.stdout(`Wrote ${out}\n`);
    return EXIT_OK;
  },
};
