/**
 * A run's compile() options: the model file's own, with what the run form overrides (optimizer
 * and learning rate, a loss per output, loss weights, metrics). Keys the run leaves null keep
 * the model's choice.
 */
import type { RunConfig } from '../../../shared/ipc/index.js';
import { CompileConfig, type CompileArgs, type ObjectSpec } from '../../engine/graph/compile-config.js';
import type { Functional } from '../../engine/graph/functional.js';

type Named = string | ObjectSpec;

function className(optimizer: Named): string {
  return typeof optimizer === 'string' ? optimizer : optimizer.className;
}

/** The model's loss for one output, however compile() was given it. */
function modelLoss(loss: CompileArgs['loss'], outputNames: string[], output: string): Named | undefined {
  if (loss === undefined || loss === null) return undefined;
  if (Array.isArray(loss)) return loss[outputNames.indexOf(output)];
  if (typeof loss === 'string' || 'className' in loss) return loss as Named;
  return (loss as Record<string, Named>)[output];
}

export function runCompileArgs(model: Functional, config: RunConfig): CompileArgs {
  const own = model.compileConfig ? CompileConfig.argsFromJSON(model.compileConfig.toJSON()) : {};
  const args: CompileArgs = { ...own };
  if (config.optimizer) {
    const { className: wanted, learningRate } = config.optimizer;
    // The same optimizer keeps the model's other hyper-parameters (momentum, betas…).
    const same = own.optimizer !== undefined && className(own.optimizer).toLowerCase() === wanted.toLowerCase();
    const base = same && typeof own.optimizer === 'object' ? own.optimizer.config : {};
    args.optimizer = { className: wanted, config: { ...base, learning_rate: learningRate } };
  }
  if (config.losses) {
    const losses: Record<string, Named> = {};
    for (const output of model.outputNames) {
      const loss = config.losses[output] ?? modelLoss(own.loss, model.outputNames, output);
      if (loss !== undefined) losses[output] = loss;
    }
    args.loss = losses;
  }
  if (config.lossWeights) args.lossWeights = config.lossWeights;
  if (config.metrics) args.metrics = config.metrics;
  const missing = model.outputNames.filter((output) => modelLoss(args.loss, model.outputNames, output) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `No loss for output(s) ${missing.map((o) => `"${o}"`).join(', ')} of model "${model.name}": the model file's compile() gives none and the run names none. Pick a loss per output in the run form, or call compile() with a loss in the model file.`,
    );
  }
  return args;
}
