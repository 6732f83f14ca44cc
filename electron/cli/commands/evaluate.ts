/** `strata evaluate <model> --data mnist`: Keras' evaluate() of a model on a dataset split. */
import type { CommandSpec } from '../command.js';
import { BATCH_SIZE_OPTION, DATA_OPTION, SPLIT_OPTION, batchSize, datasetSplit, loadDataset, modelInputs, modelTargets } from '../dataset-options.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';
import { Trainer } from '../../engine/training/trainer.js';

export const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  summary: 'compute the loss and metrics of a trained model on a dataset',
  description:
    "Loads the model (a saved .keras file, or a model file with its initial weights) and runs Keras' evaluate() on the dataset's test split (or --split train), with the loss and metrics of the model's compile() options.",
  arguments: [{ name: '<model>', description: 'a saved model (.keras) or a model file (.ts)' }],
  options: [
    DATA_OPTION,
    SPLIT_OPTION,
    BATCH_SIZE_OPTION,
    { name: 'json', type: 'boolean', description: 'print {"loss", "accuracy", …} as one JSON object' },
    CUSTOM_LAYERS_OPTION,
  ],
  examples: ['strata evaluate runs/mnist/model.keras --data mnist', 'strata evaluate model.keras --data iris --split train --json'],
  modelFileArgument: 0,
  async run({ args, options, io }) {
    const { model } = await loadModel(args[0]!, io, options['custom-layers']);
    if (!model.compileConfig) {
      throw new UsageError(`${args[0]}: the model has no compile() options (loss and metrics), so there is nothing to evaluate; train it with strata train first, or compile it in its model file.`);
    }
    const split = datasetSplit(loadDataset(options.data), options.split, String(options.data));
    const logs = new Trainer(model).evaluate(modelInputs(model, split), modelTargets(split), { batchSize: batchSize(options) });
    io.stdout(options.json ? `${JSON.stringify(logs)}\n` : `${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}\n`);
    return EXIT_OK;
  },
};
