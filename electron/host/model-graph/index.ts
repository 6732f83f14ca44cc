/**
 * A model as the plain graph `shared/graph` lays out and draws: one node per layer of
 * `model.layers` (a nested model is one node), one edge per tensor flowing into each call of
 * a layer, from the layer that produced it. Also the shapes of each layer within the model,
 * as display text and as data (`strata summary --json`).
 *
 * It lives in the host because it is the bridge from engine objects to the plain data that
 * crosses to the renderer: the CLI uses it for `strata plot`, and an IPC handler can hand the
 * same graph to the studio.
 */
import { Functional } from '../../engine/graph/functional.js';
import { InputLayer } from '../../engine/graph/input-layer.js';
import type { Layer } from '../../engine/graph/layer.js';
import type { Node } from '../../engine/graph/node.js';
import { formatShape, type Shape } from '../../engine/graph/shape.js';
import type { GraphEdge, GraphNode, PlainGraph } from '../../../shared/graph/index.js';

/** The calls of `layer` that belong to `model` (a layer shared with another model has more). */
export function ownNodes(model: Functional, layer: Layer): Node[] {
  return layer.inboundNodes.filter((n) => model.graph.nodes.has(n));
}

/** One shape for one tensor, a list for several. */
export type ShapeData = Shape | Shape[];

/**
 * The output shape of a layer in the model, as data: one shape (`[null, 64]`), a list of
 * shapes for a layer with several outputs, `"multiple"` for a shared layer whose calls give
 * different shapes (Keras prints the same word), `null` for a layer the model never calls.
 */
export function layerOutputShape(model: Functional, layer: Layer): ShapeData | 'multiple' | null {
  return sameAcrossCalls(ownNodes(model, layer).map((n) => oneOrList(n.outputs.map((t) => t.shape))));
}

/** The input shape(s) of a layer in the model; an input layer's input is its own tensor. */
export function layerInputShape(model: Functional, layer: Layer): ShapeData | 'multiple' | null {
  return sameAcrossCalls(
    ownNodes(model, layer).map((n) =>
      layer instanceof InputLayer ? oneOrList(n.outputs.map((t) => t.shape)) : oneOrList(n.inputs.map((t) => t.shape)),
    ),
  );
}

function oneOrList(shapes: Shape[]): ShapeData {
  return shapes.length === 1 ? shapes[0]! : shapes;
}

function sameAcrossCalls(perCall: ShapeData[]): ShapeData | 'multiple' | null {
  if (perCall.length === 0) return null;
  const key = JSON.stringify(perCall[0]);
  return perCall.every((s) => JSON.stringify(s) === key) ? perCall[0]! : 'multiple';
}

/** `(None, 64)`, or `[(None, 64), (None, 64)]` for several tensors. */
export function shapeDataText(shape: ShapeData | 'multiple' | null): string {
  if (shape === null) return '?';
  if (shape === 'multiple') return 'multiple';
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as Shape[]).map(formatShape).join(', ')}]`;
  return formatShape(shape as Shape);
}

/** The model as boxes and arrows. Node ids are the layer names (unique within a model). */
export function modelToGraph(model: Functional): PlainGraph {
  const layers = model.layers;
  const names = new Set(layers.map((l) => l.name));
  const nodes: GraphNode[] = layers.map((layer) => ({
    id: layer.name,
    label: layer.name,
    sublabel: layer.className,
    inputShape: shapeDataText(layerInputShape(model, layer)),
    outputShape: shapeDataText(layerOutputShape(model, layer)),
    kind: layer instanceof InputLayer ? 'input' : layer instanceof Functional ? 'model' : 'layer',
  }));
  const edges: GraphEdge[] = [];
  for (const layer of layers) {
    for (const node of ownNodes(model, layer)) {
      for (const t of node.parentTensors) {
        // A Sequential model's input layer is not among its layers: no box, so no arrow.
        if (names.has(t.sourceLayer.name)) edges.push({ from: t.sourceLayer.name, to: layer.name });
      }
    }
  }
  return { nodes, edges };
}
