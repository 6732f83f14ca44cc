/**
 * `strata train <model> --data mnist …`: trains a model file on a built-in dataset with
 * Keras' fit() semantics, printing Keras' progress bar (or one JSON object per epoch), then
 * evaluates on the dataset's test split. With `--project`, trains a project's model as a
 * recorded run instead (see runs.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CompileConfig, type CompileArgs } from '../../engine/graph/compile-config.js';
import type { Functional } from '../../engine/graph/functional.js';
import { saveModel } from '../../engine/io/model-file.js';
import { Callback, type Logs } from '../../engine/training/callbacks.js';
import { ProgressBar } from '../../engine/training/progress-bar.js';
import { clearOptimizerState } from '../../engine/training/optimizer-state.js';
import { Trainer } from '../../engine/training/trainer.js';
import type { CommandSpec } from '../command.js';
import { BATCH_SIZE_OPTION, DATA_OPTION, batchSize, loadDataset, modelInputs, modelTargets, numberOption as number } from '../dataset-options.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';
import { DEVICE_OPTION, PRECISION_OPTION, deviceOptions } from '../device-options.js';
import { checkDevice } from '../../engine/tensor/device.js';
import { PROJECT_OPTION, trainProjectRun } from './runs.js';

/** Where `--out` saves: a `.keras` path as given, or `model.keras` inside a folder. */
function outputPath(out: unknown): string | null {
  if (out === undefined) return null;
  if (typeof out !== 'string' || out === '') throw new UsageError('--out takes a folder or a .keras file name.');
  return resolve(out.endsWith('.keras') ? out : join(out, 'model.keras'));
}

/** compile() options from the model file, overridden by the command line. */
function compileArgs(model: Functional, options: Record<string, string | boolean | undefined>): CompileArgs {
  const fromFile = model.compileConfig ? CompileConfig.argsFromJSON(model.compileConfig.toJSON()) : {};
  const args: CompileArgs = { ...fromFile };
  const lr = number(options['learning-rate'], 'learning-rate', false);
  if (options.optimizer !== undefined || lr !== undefined) {
    const base = typeof options.optimizer === 'string' ? options.optimizer : fromFile.optimizer ?? 'rmsprop';
    const className = typeof base === 'string' ? base : base.className;
    const config = typeof base === 'string' ? {} : { ...base.config };
    args.optimizer = { className, config: lr === undefined ? config : { ...config, learning_rate: lr } };
  }
  if (typeof options.loss === 'string') {
    args.loss = options['from-logits'] ? { className: options.loss, config: { from_logits: true } } : options.loss;
  } else if (options['from-logits']) {
    throw new UsageError('--from-logits goes with --loss.');
  }
  if (typeof options.metrics === 'string') args.metrics = options.metrics.split(',').map((m) => m.trim()).filter(Boolean);
  if (!args.loss) {
    throw new UsageError('No loss: the model file does not call compile() with a loss, and no --loss was given.');
  }
  return args;
}

class JsonEpochs extends Callback {
  private start = 0;
  constructor(private readonly write: (line: string) => void) {
    super();
  }
  override onEpochBegin(): void {
    this.start = performance.now();
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.write(`${JSON.stringify({ epoch: epoch + 1, ...logs, seconds: (performance.now() - this.start) / 1000 })}\n`);
  }
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'train a model file on a dataset with Keras fit() semantics',
  description:
    "Evaluates the model file, compiles it with its own compile() options overridden by the ones given here, trains it on the dataset's training split (the last --validation-split of it held out, as Keras does) and evaluates it on the test split.",
  arguments: [{ name: '<model>', description: 'a model file (.ts) whose default export is a model, or a saved model (.keras) to train further; left out with --project', optional: true }],
  options: [
    DATA_OPTION,
    PROJECT_OPTION,
    { name: 'model', type: 'string', value: 'name', description: "with --project: the project's model to train (models/<name>.ts)" },
    { name: 'dataset', type: 'string', value: 'name', description: "with --project: the project's dataset to train on (datasets/<name>.json)" },
    { name: 'epochs', type: 'string', value: 'n', description: 'epochs to train (default 1)' },
    BATCH_SIZE_OPTION,
    { name: 'optimizer', type: 'string', value: 'name', description: 'sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax or nadam' },
    { name: 'learning-rate', type: 'string', value: 'x', description: "the optimizer's learning rate" },
    { name: 'loss', type: 'string', value: 'name', description: 'e.g. sparse_categorical_crossentropy, mse' },
    { name: 'from-logits', type: 'boolean', description: 'the loss takes logits (with --loss)' },
    { name: 'metrics', type: 'string', value: 'list', description: 'comma-separated, e.g. accuracy' },
    { name: 'validation-split', type: 'string', value: 'x', description: 'fraction of the training data held out for validation' },
    { name: 'seed', type: 'string', value: 'n', description: 'seed of initial weights, shuffling and dropout (default 1)' },
    DEVICE_OPTION,
    PRECISION_OPTION,
    { name: 'out', type: 'string', value: 'path', description: 'save the trained model (weights, compile options, optimizer state) as a .keras file: a file name, or a folder to hold model.keras' },
    { name: 'json', type: 'boolean', description: 'print one JSON object per epoch and a last {"test": …} line instead of the progress bar' },
    CUSTOM_LAYERS_OPTION,
  ],
  examples: [
    'strata train examples/seeds/mnist_model.ts --data mnist --epochs 5 --batch-size 64 --validation-split 0.2 --out runs/mnist',
    'strata train examples/seeds/mnist_model.ts --data mnist --epochs 5 --device cuda --precision bf16',
    'strata train runs/mnist/model.keras --data mnist --epochs 1',
    'strata train --project ~/Strata/mnist --model mnist_model --dataset mnist --epochs 2',
  ],
  modelFileArgument: 0,
  async run({ args, options, io }) {
    if (options.project !== undefined && args.length === 0) {
      const alone = ['data', 'out', 'loss', 'from-logits', 'metrics', 'json', 'custom-layers'].filter((o) => options[o] !== undefined);
      if (alone.length > 0) throw new UsageError(`--project trains the project's model on the project's dataset; it takes no ${alone.map((o) => `--${o}`).join(', ')}.`, 'train');
      return trainProjectRun(options, io);
    }
    if (args.length === 0) throw new UsageError('"strata train" needs a model file, or --project DIR --model NAME --dataset NAME.', 'train');
    const out = outputPath(options.out);
    const { model } = await loadModel(args[0]!, io, options['custom-layers']);
    // Before the dataset loads: a GPU this machine cannot use is said at once.
    const devices = deviceOptions(options, 'train');
    checkDevice(devices.device, devices.precision);
    const projectOnly = ['project', 'model', 'dataset'].filter((o) => options[o] !== undefined);
    if (projectOnly.length > 0) throw new UsageError(`${projectOnly.map((o) => `--${o}`).join(', ')} go with --project and no model file; a model file trains on --data.`, 'train');
    const data = loadDataset(options.data);
    const before = JSON.stringify(model.compileConfig?.optimizer ?? null);
    model.compile(compileArgs(model, options));
    // A saved model resumes its optimizer, unless the command line asked for another one.
    if (JSON.stringify(model.compileConfig!.optimizer) !== before) clearOptimizerState(model);
    const seed = number(options.seed, 'seed', true) ?? 1;
    const trainer = new Trainer(model, seed, devices);
    const train = data.splits.train;
    const json = Boolean(options.json);
    const batch = batchSize(options);
    trainer.fit(modelInputs(model, train), modelTargets(train), {
      epochs: number(options.epochs, 'epochs', true) ?? 1,
      batchSize: batch,
      validationSplit: number(options['validation-split'], 'validation-split', false),
      callbacks: [json ? new JsonEpochs(io.stdout) : new ProgressBar({ stream: process.stdout })],
    });
    const test = data.splits.test;
    if (test) {
      const logs = trainer.evaluate(modelInputs(model, test), modelTargets(test), { batchSize: batch });
      io.stdout(json ? `${JSON.stringify({ test: logs })}\n` : `Test: ${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}\n`);
    }
    if (out) {
      mkdirSync(dirname(out), { recursive: true });
      saveModel(model, out);
      if (!json) io.stdout(`Saved the model to ${out}\n`);
    }
    return EXIT_OK;
  },
};
