/**
 * A model as the studio's graph: one node per layer of `model.layers` (a nested model is one
 * node holding its own graph), one edge per tensor into each call of a layer, with the call
 * and the input position it feeds.
 */
import { Functional } from '../../engine/graph/functional.js';
import { InputLayer } from '../../engine/graph/input-layer.js';
import type { Layer } from '../../engine/graph/layer.js';
import { serializeLayer } from '../../engine/graph/serialize.js';
import type { StudioEdge, StudioGraph, StudioNode } from '../../../shared/ipc/index.js';
import { layerInputShape, layerOutputShape, ownNodes, shapeDataText } from '../model-graph/index.js';
import { builtinLayer } from './builtin-layers.js';
import { inspectorOptions } from './layer-options.js';

/** `editable`: whether the graph view may edit the model's own layers (not those of nested models). */
export function studioGraph(model: Functional, editable: boolean): StudioGraph {
  const names = new Set(model.layers.map((l) => l.name));
  const outputs = new Set(model.outputs.map((t) => t.sourceLayer));
  const nodes = model.layers.map((layer): StudioNode => {
    const nested = layer instanceof Functional;
    return {
      id: layer.name,
      name: layer.name,
      className: layer.className,
      kind: layer instanceof InputLayer ? 'input' : nested ? 'model' : 'layer',
      outputShape: shapeDataText(layerOutputShape(model, layer)),
      inputShape: shapeDataText(layerInputShape(model, layer)),
      params: layer.built ? layer.countParams() : 0,
      calls: layer instanceof InputLayer ? 1 : ownNodes(model, layer).length,
      isOutput: outputs.has(layer),
      ...(nested ? { children: studioGraph(layer, false) } : {}),
      editable: editable && isBuiltIn(layer),
      options: nested || layer instanceof InputLayer ? {} : inspectorOptions(serializeLayer(layer)),
    };
  });
  const edges: StudioEdge[] = [];
  for (const layer of model.layers) {
    ownNodes(model, layer).forEach((node, call) => {
      node.parentTensors.forEach((t, port) => {
        // A Sequential model's input layer is not among its layers: no node, so no edge.
        if (names.has(t.sourceLayer.name)) edges.push({ from: t.sourceLayer.name, to: layer.name, call, port });
      });
    });
  }
  return { nodes, edges };
}

function isBuiltIn(layer: Layer): boolean {
  if (layer instanceof Functional || layer instanceof InputLayer) return true;
  const b = builtinLayer(layer.className);
  return b !== undefined && layer.constructor === b.cls;
}
