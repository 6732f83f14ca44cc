/**
 * Training runs of a project from the command line, recorded exactly as the studio records
 * them (through the host's RunService): `strata train --project DIR --model NAME --dataset
 * NAME` trains one, `strata runs list --project DIR` lists them.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runConfig, type RunEvent, type RunSummary } from '../../../shared/ipc/index.js';
import type { CommandIO, CommandSpec, OptionSpec } from '../command.js';
import { numberOption as number } from '../dataset-options.js';
import { CliError, EXIT_OK, UsageError } from '../errors.js';
import { deviceOptions } from '../device-options.js';

export const PROJECT_OPTION: OptionSpec = { name: 'project', type: 'string', value: 'DIR', description: 'a project folder: train or list its runs as the studio does' };

/** The folder `--project` names, refused with a usage error when it is not a folder. */
export function projectFolder(value: unknown, command: string): string {
  if (typeof value !== 'string') throw new UsageError('--project DIR is required.', command);
  const dir = resolve(value);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--project must name a project folder; "${value}" is not a folder.`, command);
  return dir;
}

const format = (logs: Record<string, number> | null) =>
  logs === null ? '' : Object.entries(logs).map(([k, v]) => `${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' - ');

/** The RunService of this process, loaded only by the commands that use it. */
async function runService(emit: (event: RunEvent) => void) {
  const [{ RunService }, { DatasetService }] = await Promise.all([import('../../host/runs/index.js'), import('../../host/datasets/index.js')]);
  return new RunService({ emit, datasets: new DatasetService() });
}

/** The optimizer class a --learning-rate applies to when no --optimizer is given: the model file's own. */
async function modelOptimizer(dir: string, model: string): Promise<string> {
  const { evaluateModelFile } = await import('../../host/model-evaluation/index.js');
  const { model: evaluated } = await evaluateModelFile(join(dir, 'models', `${model}.ts`), { fileName: `models/${model}.ts` });
  return evaluated.compileConfig?.optimizer.className ?? 'RMSprop';
}

/** `strata train --project …`: one run, trained in a training process, its progress printed as it comes. */
export async function trainProjectRun(options: Record<string, string | boolean | undefined>, io: CommandIO): Promise<number> {
  const dir = projectFolder(options.project, 'train');
  for (const name of ['model', 'dataset'] as const) {
    if (typeof options[name] !== 'string') throw new UsageError(`--${name} NAME is required with --project.`, 'train');
  }
  const model = options.model as string;
  const learningRate = number(options['learning-rate'], 'learning-rate', false);
  const optimizerName = typeof options.optimizer === 'string' ? options.optimizer : learningRate !== undefined ? await modelOptimizer(dir, model) : null;
  const parsed = runConfig.safeParse({
    model,
    dataset: options.dataset,
    epochs: number(options.epochs, 'epochs', true) ?? 1,
    batchSize: number(options['batch-size'], 'batch-size', true) ?? 32,
    validationSplit: number(options['validation-split'], 'validation-split', false) ?? 0,
    seed: number(options.seed, 'seed', true) ?? 1,
    ...deviceOptions(options, 'train'),
    optimizer: optimizerName === null ? null : { className: optimizerName, learningRate: learningRate ?? (await defaultRate(optimizerName)) },
  });
  if (!parsed.success) throw new UsageError(`the run's options do not fit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'train');

  let id: string | null = null;
  let settle: (run: RunSummary) => void = () => undefined;
  const ended = new Promise<RunSummary>((resolve) => (settle = resolve));
  const runs = await runService((event) => {
    if (event.kind === 'status') {
      if (event.run.id === id && !['queued', 'running', 'paused'].includes(event.run.status)) settle(event.run);
      return;
    }
    if (event.id !== id) return;
    if (event.kind === 'log') io.stdout(`${event.line}\n`);
    else if (event.kind === 'metrics' && event.scope === 'epoch') {
      const logs = Object.fromEntries(Object.entries(event.values).map(([k, v]) => [k, v[0]!]));
      io.stdout(`Epoch ${event.x[0]}/${parsed.data.epochs} - ${format(logs)}\n`);
    }
  });
  const run = await runs.start(dir, parsed.data);
  id = run.id;
  io.stdout(`Run ${run.id} ("${run.name}"): ${run.status}\n`);
  const stop = () => void runs.stop(dir, run.id);
  process.once('SIGINT', stop);
  try {
    const done = run.status === 'failed' ? run : await ended;
    if (done.status !== 'completed') throw new CliError(`Run ${done.id} ${done.status}${done.error ? `: ${done.error}` : '.'}`);
    io.stdout(`Run ${done.id} completed: ${format(done.last)}\n`);
    return EXIT_OK;
  } finally {
    process.off('SIGINT', stop);
  }
}

async function defaultRate(optimizer: string): Promise<number> {
  const { toOptimizer } = await import('../../engine/graph/compile-config.js');
  return toOptimizer(optimizer).config.learning_rate as number;
}

const duration = (run: RunSummary) => {
  if (!run.startedAt) return '';
  const seconds = ((run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.startedAt)) / 1000;
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
};

function table(runs: RunSummary[]): string {
  const head = ['id', 'name', 'status', 'model', 'dataset', 'epochs', 'best', 'last', 'duration'];
  const rows = runs.map((r) => [r.id, r.name, r.status, r.model, r.dataset, `${r.epochsDone}/${r.config.epochs}`, format(r.best), format(r.last), duration(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [head, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export const runsCommand: CommandSpec = {
  name: 'runs',
  summary: "list a project's training runs",
  description:
    "Lists the training runs of a project, newest first: id, name, status, model, dataset, epochs trained, the best and last epoch's metrics, and how long each trained. A run left running by a process that has gone is listed as interrupted (it resumes from its last checkpoint in the studio).",
  arguments: [{ name: 'list', description: 'what to do with the runs: list them' }],
  options: [PROJECT_OPTION, { name: 'json', type: 'boolean', description: 'print the runs as a JSON array (the runs table of the studio)' }],
  examples: ['strata runs list --project ~/Strata/mnist', 'strata runs list --project ~/Strata/mnist --json'],
  async run({ args, options, io }) {
    if (args[0] !== 'list') throw new UsageError(`unknown action "${args[0]}"; "strata runs" knows: list.`, 'runs');
    const dir = projectFolder(options.project, 'runs');
    const runs = await (await runService(() => undefined)).list(dir);
    if (options.json) io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    else io.stdout(runs.length === 0 ? `No runs in ${dir}.\n` : `${table(runs)}\n`);
    return EXIT_OK;
  },
};
