/**
 * `strata train <model.ts> --data mnist …`: trains a model file on a built-in dataset with
 * Keras' fit() semantics, printing Keras' progress bar (or one JSON object per epoch), then
 * evaluates on the dataset's test split.
 */
import { CompileConfig, type CompileArgs } from '../../engine/graph/compile-config.js';
import type { Functional } from '../../engine/graph/functional.js';
import { datasets } from '../../engine/data/index.js';
import type { Dataset } from '../../engine/data/dataset.js';
import type { HostTensor } from '../../engine/data/host-tensor.js';
import { Callback, type Logs } from '../../engine/training/callbacks.js';
import { ProgressBar } from '../../engine/training/progress-bar.js';
import { Trainer } from '../../engine/training/trainer.js';
import type { ArrayData } from '../../engine/training/data-adapter.js';
import type { CommandSpec } from '../command.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { loadModel } from '../load-model.js';

const DATASETS = ['mnist', 'fashion-mnist', 'iris', 'xor', 'spirals', 'blobs', 'circles'] as const;

function loadDataset(name: string): Dataset<'train' | 'test'> {
  switch (name) {
    case 'mnist':
      return datasets.mnist() as Dataset<'train' | 'test'>;
    case 'fashion-mnist':
      return datasets.fashionMnist() as Dataset<'train' | 'test'>;
    case 'iris':
      return datasets.iris() as Dataset<'train' | 'test'>;
    case 'xor':
    case 'spirals':
    case 'blobs':
    case 'circles':
      return datasets.toy(name) as Dataset<'train' | 'test'>;
    default:
      throw new UsageError(`--data must be one of ${DATASETS.join(', ')}; received "${name}".`);
  }
}

/** A dataset array reshaped to a model input's per-sample shape when the sizes agree (images to 784, to 28x28x1). */
function fitTo(t: HostTensor, shape: Array<number | null>, where: string): ArrayData {
  const n = t.shape[0]!;
  const want = shape.slice(1);
  const have = t.shape.slice(1);
  const size = (s: Array<number | null>) => s.reduce<number>((a, d) => a * (d ?? NaN), 1);
  if (want.every((d) => d !== null) && size(want) === size(have)) return { shape: [n, ...(want as number[])], data: t.data };
  if (want.length === have.length && want.every((d, i) => d === null || d === have[i])) return t;
  throw new UsageError(
    `${where}: the model expects samples of shape (${want.map((d) => d ?? 'None').join(', ')}), the dataset has (${have.join(', ')}).`,
  );
}

function number(value: unknown, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new UsageError(`--${name} takes ${integer ? 'a whole number' : 'a number'}; received "${String(value)}".`);
  }
  return n;
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
  arguments: [{ name: '<model.ts>', description: 'a model file whose default export is a model' }],
  options: [
    { name: 'data', type: 'string', value: 'name', description: `the dataset: ${DATASETS.join(', ')}` },
    { name: 'epochs', type: 'string', value: 'n', description: 'epochs to train (default 1)' },
    { name: 'batch-size', type: 'string', value: 'n', description: 'samples per batch (default 32)' },
    { name: 'optimizer', type: 'string', value: 'name', description: 'sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax or nadam' },
    { name: 'learning-rate', type: 'string', value: 'x', description: "the optimizer's learning rate" },
    { name: 'loss', type: 'string', value: 'name', description: 'e.g. sparse_categorical_crossentropy, mse' },
    { name: 'from-logits', type: 'boolean', description: 'the loss takes logits (with --loss)' },
    { name: 'metrics', type: 'string', value: 'list', description: 'comma-separated, e.g. accuracy' },
    { name: 'validation-split', type: 'string', value: 'x', description: 'fraction of the training data held out for validation' },
    { name: 'seed', type: 'string', value: 'n', description: 'seed of initial weights, shuffling and dropout (default 1)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object per epoch and a last {"test": …} line instead of the progress bar' },
  ],
  examples: ['strata train examples/seeds/mnist_model.ts --data mnist --epochs 5 --batch-size 64 --validation-split 0.2'],
  modelFileArgument: 0,
  async run({ args, options, io }) {
    const { model } = await loadModel(args[0]!);
    if (typeof options.data !== 'string') throw new UsageError(`--data is required: one of ${DATASETS.join(', ')}.`);
    const data = loadDataset(options.data);
    model.compile(compileArgs(model, options));
    const seed = number(options.seed, 'seed', true) ?? 1;
    const trainer = new Trainer(model, seed);
    const train = data.splits.train;
    const x = (split: typeof train) =>
      model.inputs.map((t, i) => fitTo(Object.values(split.features)[i]!, t.shape, `Input "${model.inputNames[i]}"`));
    const y = (split: typeof train) => Object.values(split.targets) as ArrayData[];
    const json = Boolean(options.json);
    trainer.fit(x(train), y(train), {
      epochs: number(options.epochs, 'epochs', true) ?? 1,
      batchSize: number(options['batch-size'], 'batch-size', true) ?? 32,
      validationSplit: number(options['validation-split'], 'validation-split', false),
      callbacks: [json ? new JsonEpochs(io.stdout) : new ProgressBar({ stream: process.stdout })],
    });
    const test = data.splits.test;
    if (test) {
      const logs = trainer.evaluate(x(test), y(test), { batchSize: number(options['batch-size'], 'batch-size', true) ?? 32 });
      io.stdout(json ? `${JSON.stringify({ test: logs })}\n` : `Test: ${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}\n`);
    }
    return EXIT_OK;
  },
};
