/**
 * The training thread of a training process: builds the run's model and data, trains it with
 * fit() (synchronous, which is why it has a thread of its own: the process's main thread stays
 * free to hear stop, pause and resume, passed on through the control block), and reports back
 * through the process. Everything it learns it also writes to the run's folder itself
 * (metrics.jsonl, log.txt, checkpoints, confusion.json), so that the files hold it even when
 * the host dies.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { modelFromJSON } from '../../engine/graph/deserialize.js';
import type { Functional } from '../../engine/graph/functional.js';
import type { HostTensor } from '../../engine/data/index.js';
import { loadWeights } from '../../engine/io/model-file.js';
import { EarlyStopping, ReduceLROnPlateau, type Callback } from '../../engine/training/callbacks.js';
import { clearOptimizerState } from '../../engine/training/optimizer-state.js';
import { Trainer } from '../../engine/training/trainer.js';
// The built-in layer classes register themselves for modelFromJSON when their module loads.
import '../../engine/layers/index.js';
import { autoMapping, loadTrainingData, type ModelPort } from '../datasets/index.js';
import { confusionMatrix } from './analysis/index.js';
import { createCheckpointCallback, readCheckpoint } from './checkpoints/index.js';
import { runCompileArgs } from './compile-overrides.js';
import type { ControlBlock } from './control-block.js';
import type { FromTraining, TrainingJob } from './messages.js';
import { RunControl } from './run-control.js';
import { RunRecorder } from './run-recorder.js';
import { feedData, type FedSplit } from './training-data.js';
import { writeConfusion } from './confusion-file.js';
import { parseDevice } from '../../engine/tensor/device.js';

const { job, control } = workerData as { job: TrainingJob; control: ControlBlock };
const post = (message: FromTraining): void => parentPort!.postMessage(message);
const runFile = (name: string) => join(job.runDir, name);

function log(line: string): void {
  appendFileSync(runFile('log.txt'), `${line}\n`);
  post({ type: 'log', line });
}

const rebuild = (): Functional => modelFromJSON(JSON.stringify(job.modelConfig));

/** The model to train, with the weights the run starts from, and where in the run it starts. */
async function startingModel(): Promise<{ model: Functional; initialEpoch: number; shuffleState: number | null }> {
  const { start } = job;
  if (start.kind === 'checkpoint') {
    const checkpoint = await readCheckpoint(join(job.runDir, 'checkpoints', start.file), { architecture: job.modelConfig });
    checkpoint.warnings.forEach((w) => log(`Warning: ${w}`));
    log(`Continuing from checkpoint ${start.file} after epoch ${checkpoint.epoch}.`);
    return { model: checkpoint.model, initialEpoch: checkpoint.epoch, shuffleState: checkpoint.shuffleState };
  }
  const model = rebuild();
  if (start.kind === 'weights') {
    await loadWeights(model, start.file);
    log('Starting from the weights carried over from the parent run\'s checkpoint.');
  } else if (start.startingWeights !== null && existsSync(start.startingWeights)) {
    // Tried on a copy first: a file that does not fit would leave the model half loaded.
    try {
      await loadWeights(rebuild(), start.startingWeights);
      await loadWeights(model, start.startingWeights);
      log(`Starting from the model's weights in ${start.startingWeights}.`);
    } catch (error) {
      log(`The model's weights in ${start.startingWeights} do not fit the model (${(error as Error).message}); starting from fresh weights.`);
      return { model: rebuild(), initialEpoch: 0, shuffleState: null };
    }
  }
  // A new run starts its optimizer afresh, whatever the weights file carried.
  clearOptimizerState(model);
  return { model, initialEpoch: 0, shuffleState: null };
}

const ports = (model: Functional, which: 'inputs' | 'outputs'): ModelPort[] =>
  model[which].map((t, i) => ({ name: (which === 'inputs' ? model.inputNames : model.outputNames)[i]!, shape: t.shape }));

function engineCallbacks(): Callback[] {
  const { earlyStopping, reduceLrOnPlateau } = job.config.callbacks;
  const out: Callback[] = [];
  if (earlyStopping) out.push(new EarlyStopping(earlyStopping));
  if (reduceLrOnPlateau) out.push(new ReduceLROnPlateau(reduceLrOnPlateau));
  return out;
}

/** A classifier's confusion matrix on its validation (or test) samples, kept for the runs view. */
function recordConfusion(trainer: Trainer, model: Functional, evaluation: FedSplit | null, classNames: string[] | null): void {
  if (!evaluation || !classNames || model.outputNames.length !== 1) return;
  const y = evaluation.y[model.outputNames[0]!]!;
  // Samples held out of a split by the validation split are named as what they were used for.
  const shown = evaluation.offset > 0 ? `validation (held out of ${evaluation.split})` : evaluation.split;
  const result = confusionMatrix(trainer, model, evaluation.x as Record<string, HostTensor>, y, classNames, shown);
  if (!result) return;
  writeConfusion(runFile('confusion.json'), { matrix: result.matrix, split: evaluation.split, offset: evaluation.offset, labels: y, predicted: result.predicted });
}

async function train(): Promise<'completed' | 'stopped'> {
  const { config } = job;
  const { model, initialEpoch, shuffleState } = await startingModel();
  model.compile(runCompileArgs(model, config));
  const trainer = new Trainer(model, config.seed, { device: parseDevice(config.device, 'device'), precision: config.precision });
  if (shuffleState !== null) trainer.shuffleState = shuffleState;

  const data = await loadTrainingData(job.dir, config.dataset);
  const mapping = config.mapping ?? autoMapping(data.info, ports(model, 'inputs'), ports(model, 'outputs'));
  const fed = feedData(model, mapping, data.splits, config);

  const recorder = new RunRecorder(runFile('metrics.jsonl'), config.batchSize, post);
  const checkpoints = createCheckpointCallback({
    policy: config.checkpoints,
    dir: join(job.runDir, 'checkpoints'),
    trainer,
    model,
    onSaved: (c) => log(`Saved checkpoint ${c.file} (${c.reasons.join(', ')}).`),
    onWarning: (message) => log(`Warning: ${message}`),
  });
  const runControl = new RunControl(control, [recorder, ...engineCallbacks(), checkpoints], {
    onPause: () => post({ type: 'paused' }),
    onResume: (ms) => {
      recorder.skip(ms);
      post({ type: 'resumed' });
    },
  });
  if (initialEpoch >= config.epochs) log(`All ${config.epochs} epochs are already trained.`);
  else log(`Training ${model.name} on ${config.dataset}: epochs ${initialEpoch + 1} to ${config.epochs}, batch size ${config.batchSize}, seed ${config.seed}.`);
  trainer.fit(fed.train.x, fed.train.y, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    ...(fed.validationSplit > 0 ? { validationSplit: fed.validationSplit } : {}),
    ...(fed.validation ? { validationData: [fed.validation.x, fed.validation.y] as [Record<string, HostTensor>, Record<string, HostTensor>] } : {}),
    initialEpoch,
    shuffle: true,
    verbose: 0,
    callbacks: [runControl],
  });
  recordConfusion(trainer, model, fed.evaluation, data.info.classNames);
  log(runControl.stopped ? 'Stopped.' : 'Finished.');
  return runControl.stopped ? 'stopped' : 'completed';
}

process.on('warning', (warning) => log(`Warning: ${warning.message}`));
try {
  post({ type: 'done', status: await train() });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  try {
    appendFileSync(runFile('log.txt'), `Failed: ${message}\n`);
  } catch {
    // the message still reaches the host
  }
  post({ type: 'failed', message });
}
