import type { Functional } from './functional.js';
import { InputLayer } from './input-layer.js';
import { Layer, uniqueWeights } from './layer.js';
import type { Node } from './node.js';
import { formatShape, type Shape } from './shape.js';

/** One row of a model summary, also what `strata summary --json` prints. */
export interface SummaryRow {
  name: string;
  className: string;
  /** As printed: `(None, 64)`, `[(None, 784)]` for inputs, `multiple` for shared layers with differing shapes. */
  outputShape: string;
  params: number;
  /** `layer[node][tensor]` of each tensor that flows in, within this model. */
  inbound: string[];
}

export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Keras prints a narrower table without "Connected to" for chain-like models. */
  sequentialLike: boolean;
}

function shapeText(layer: Layer, nodes: Node[]): string {
  if (nodes.length === 0) return '?';
  const texts = nodes.map((n) => {
    const shapes = n.outputs.map((t) => t.shape);
    if (layer instanceof InputLayer) return `[${shapes.map(formatShape).join(', ')}]`;
    return shapes.length === 1 ? formatShape(shapes[0] as Shape) : `[${shapes.map(formatShape).join(', ')}]`;
  });
  return texts.every((t) => t === texts[0]) ? texts[0]! : 'multiple';
}

/** Keras' test for printing the narrow table: one node per depth, one input per node, no sharing. */
function isSequentialLike(model: Functional): boolean {
  // Keras decides by class name too.
  if (model.className === 'Sequential') return true;
  const nodes = new Set<Node>();
  for (const level of model.graph.nodesByDepth) {
    if (level.length > 1 || (level.length === 1 && level[0]!.parentTensors.length > 1)) return false;
    level.forEach((n) => nodes.add(n));
  }
  return model.layers.every((l) => l.inboundNodes.filter((n) => nodes.has(n)).length <= 1);
}

export function summarize(model: Functional): ModelSummary {
  if (!model.built) {
    throw new Error(
      `Model "${model.name}" has not yet been built: give its first layer an \`inputShape\`, start it with \`Input()\`, or call it on a tensor.`,
    );
  }
  const rows = model.layers.map((layer): SummaryRow => {
    const nodes = layer.inboundNodes.filter((n) => model.graph.nodes.has(n));
    return {
      name: layer.name,
      className: layer.className,
      outputShape: shapeText(layer, nodes),
      params: layer.built ? layer.countParams() : 0,
      inbound: nodes.flatMap((n) =>
        n.parentTensors.map((t) => `${t.sourceLayer.name}[${model.ownNodeIndex(t.sourceLayer, t.nodeIndex)}][${t.tensorIndex}]`),
      ),
    };
  });
  const weights = uniqueWeights(model.weights);
  const trainable = weights.filter((w) => w.trainable).reduce((n, w) => n + w.size, 0);
  const total = weights.reduce((n, w) => n + w.size, 0);
  return {
    name: model.name,
    rows,
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
    sequentialLike: isSequentialLike(model),
  };
}

/** Places fields at fixed columns, cutting each to its column as Keras' `print_row` does. */
function row(fields: string[], positions: number[]): string {
  let line = '';
  fields.forEach((field, i) => {
    if (i > 0) line = `${line.slice(0, -1)} `;
    line = (line + field).slice(0, positions[i]);
    line += ' '.repeat(positions[i]! - line.length);
  });
  return line;
}

/** `1,234,567`; written out because the model sandbox's interpreter has no locale support. */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The text table `model.summary()` prints, in the layout of the Keras guides. */
export function formatSummary(summary: ModelSummary): string {
  const seq = summary.sequentialLike;
  const width = seq ? 65 : 98;
  const positions = (seq ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]).map((p) => Math.floor(width * p));
  const header = seq ? ['Layer (type)', 'Output Shape', 'Param #'] : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const lines = [`Model: "${summary.name}"`, '_'.repeat(width), row(header, positions), '='.repeat(width)];
  summary.rows.forEach((r, i) => {
    const first = [`${r.name} (${r.className})`, r.outputShape, String(r.params)];
    if (seq) lines.push(row(first, positions));
    else {
      lines.push(row([...first, r.inbound[0] ?? ''], positions));
      for (const extra of r.inbound.slice(1)) lines.push(row(['', '', '', extra], positions));
    }
    lines.push(i === summary.rows.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  if (summary.rows.length === 0) lines.push('='.repeat(width));
  lines.push(
    `Total params: ${thousands(summary.totalParams)}`,
    `Trainable params: ${thousands(summary.trainableParams)}`,
    `Non-trainable params: ${thousands(summary.nonTrainableParams)}`,
    '_'.repeat(width),
  );
  return lines.join('\n');
}
