/** `strata plot <model> -o model.svg`: the model graph drawn as Keras' plot_model draws it. */
import { basename, extname, resolve } from 'node:path';
import { graphToSvg, type RankDir } from '../../../shared/graph/index.js';
import { modelToGraph } from '../../host/model-graph/index.js';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';
import type { CommandSpec } from '../command.js';
import { CliError, EXIT_OK, UsageError } from '../errors.js';
import { CUSTOM_LAYERS_OPTION, loadModel } from '../load-model.js';

const RANKDIRS: readonly RankDir[] = ['TB', 'LR'];

export const plotCommand: CommandSpec = {
  name: 'plot',
  summary: "draw the model's graph as an SVG picture, as Keras' plot_model does",
  description:
    'Evaluates the model file and draws one box per layer (name and class; a nested model is one box) with arrows along the data flow, in layers from the inputs to the outputs. The file is written atomically: a reader sees the old picture or the new one, never a part.',
  arguments: [{ name: '<model>', description: 'a model file (.ts) whose default export is a model, or a saved model (.keras, .h5, TensorFlow.js model.json)' }],
  options: [
    { name: 'output', short: 'o', type: 'string', value: 'file.svg', description: 'where to write the SVG (default: the model file name with .svg, in the current folder)' },
    { name: 'show-shapes', type: 'boolean', description: "show each layer's input and output shapes" },
    { name: 'show-layer-names', type: 'boolean', description: 'show layer names above class names (the default)' },
    { name: 'no-show-layer-names', type: 'boolean', description: 'show class names only' },
    { name: 'rankdir', type: 'string', value: 'TB|LR', description: 'direction of the flow: TB top to bottom (default), LR left to right' },
    CUSTOM_LAYERS_OPTION,
  ],
  examples: ['strata plot examples/seeds/toy_resnet.ts -o resnet.svg --show-shapes', 'strata plot model.ts --rankdir LR'],
  modelFileArgument: 0,
  async run({ args, options, order, io, verbose }) {
    const file = args[0]!;
    const rankdir = String(options.rankdir ?? 'TB').toUpperCase() as RankDir;
    if (!RANKDIRS.includes(rankdir)) {
      throw new UsageError(`--rankdir must be TB or LR; received "${String(options.rankdir)}".`, 'plot');
    }
    const output = typeof options.output === 'string' ? options.output : `${basename(file, extname(file))}.svg`;
    if (output === '' || extname(output).toLowerCase() !== '.svg') {
      throw new UsageError(`the output file must end in .svg (plot writes SVG only); received "${output}".`, 'plot');
    }
    const names = order.filter((o) => o === 'show-layer-names' || o === 'no-show-layer-names');
    const showLayerNames = names[names.length - 1] !== 'no-show-layer-names';

    const evaluated = await loadModel(file, io, options['custom-layers']);
    if (verbose) for (const line of evaluated.logs) io.stderr(`${line}\n`);
    const model = evaluated.model;
    const graph = modelToGraph(model);
    const svg = graphToSvg(graph, { rankdir, showShapes: options['show-shapes'] === true, showLayerNames, title: model.name });
    try {
      writeFileAtomic(resolve(output), svg);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (error as Error).message;
      throw new CliError(`${output}: cannot write the picture: ${reason}.`, { cause: error });
    }
    io.stdout(`Wrote ${output} (model "${model.name}": ${plural(graph.nodes.length, 'layer')}, ${plural(graph.edges.length, 'connection')})\n`);
    return EXIT_OK;
  },
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
