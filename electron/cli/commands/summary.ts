/** `strata summary <model> [--json]`: the Keras summary table of a model file or saved model. */
import { formatSummary, summarize } from '../../engine/graph/summary.js';
import { layerOutputShape } from '../../host/model-graph/index.js';
import type { CommandSpec } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';

/** `strata summary --json`: Keras' names for the summary columns. */
export interface SummaryJson {
  name: string;
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
  layers: Array<{
    name: string;
    class_name: string;
    /** `[null, 64]`; a list of shapes for several outputs; `"multiple"` for a shared layer with differing shapes. */
    output_shape: unknown;
    params: number;
    /** `"layer[node][tensor]"` of each tensor flowing in. */
    inbound: string[];
  }>;
}

export const summaryCommand: CommandSpec = {
  name: 'summary',
  summary: 'print the Keras summary table of a model file',
  description:
    'Evaluates the model file (in a sandbox, as the studio does) or reads the saved model, and prints the table Keras prints for model.summary(): each layer with its type, output shape, parameter count and, for models that are not a plain chain, the layers it is connected to.',
  arguments: [{ name: '<model>', description: 'a model file (.ts) whose default export is a model, or a saved model (.keras, .h5, TensorFlow.js model.json)' }],
  options: [
    {
      name: 'json',
      type: 'boolean',
      description:
        'print {name, total_params, trainable_params, non_trainable_params, layers: [{name, class_name, output_shape, params, inbound}]} as JSON instead of the table',
    },
    CUSTOM_LAYERS_OPTION,
  ],
  examples: ['strata summary examples/seeds/mnist_model.ts', 'strata summary model.ts --json'],
  modelFileArgument: 0,
  async run({ args, options, io, verbose }) {
    const evaluated = await loadModel(args[0]!, io, options['custom-layers']);
    if (verbose) for (const line of evaluated.logs) io.stderr(`${line}\n`);
    const model = evaluated.model;
    const summary = summarize(model);
    if (options.json) {
      const json: SummaryJson = {
        name: summary.name,
        total_params: summary.totalParams,
        trainable_params: summary.trainableParams,
        non_trainable_params: summary.nonTrainableParams,
        layers: summary.rows.map((row, i) => ({
          name: row.name,
          class_name: row.className,
          output_shape: layerOutputShape(model, model.layers[i]!),
          params: row.params,
          inbound: row.inbound,
        })),
      };
      io.stdout(`${toJson(json)}\n`);
    } else {
      io.stdout(`${formatSummary(summary)}\n`);
    }
    return EXIT_OK;
  },
};

const isFlat = (v: unknown) => v === null || typeof v !== 'object';

/** JSON indented by two spaces, with short lists (shapes, inbound names) kept on one line. */
export function toJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => isFlat(v) || (Array.isArray(v) && v.every(isFlat)))) {
      return `[${value.map((v) => (Array.isArray(v) ? toJson(v) : JSON.stringify(v))).join(', ')}]`;
    }
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
