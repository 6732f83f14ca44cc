/** Studio graphs for the graph editor's tests, shaped as the host hands them to the window. */
import type { StudioEdge, StudioGraph, StudioNode } from '../../../shared/ipc/index.js';

export function layer(name: string, extra: Partial<StudioNode> = {}): StudioNode {
  return {
    id: name,
    name,
    className: 'Dense',
    kind: 'layer',
    outputShape: '(None, 64)',
    inputShape: '(None, 64)',
    params: 4160,
    calls: 1,
    isOutput: false,
    editable: true,
    options: { units: 64 },
    ...extra,
  };
}

export function input(name: string, shape = '(None, 784)'): StudioNode {
  return layer(name, { className: 'InputLayer', kind: 'input', outputShape: shape, inputShape: shape, params: 0, options: {} });
}

export const edge = (from: string, to: string, port = 0, call = 0): StudioEdge => ({ from, to, port, call });

/** The MNIST template: an input and three Dense layers. */
export function mnistGraph(): StudioGraph {
  return {
    nodes: [
      input('img'),
      layer('dense_1', { inputShape: '(None, 784)', params: 50240 }),
      layer('dense_2'),
      layer('dense_3', { outputShape: '(None, 10)', params: 650, isOutput: true, options: { units: 10 } }),
    ],
    edges: [edge('img', 'dense_1'), edge('dense_1', 'dense_2'), edge('dense_2', 'dense_3')],
  };
}

/** An autoencoder holding an encoder and a decoder as nested models. */
export function nestedGraph(): StudioGraph {
  const encoder: StudioGraph = {
    nodes: [input('original_img', '(None, 28, 28, 1)'), layer('conv', { className: 'Conv2D', editable: false }), layer('pool', { isOutput: true, editable: false })],
    edges: [edge('original_img', 'conv'), edge('conv', 'pool')],
  };
  const decoder: StudioGraph = {
    nodes: [input('encoded_img', '(None, 16)'), layer('up', { isOutput: true, editable: false })],
    edges: [edge('encoded_img', 'up')],
  };
  return {
    nodes: [
      input('img', '(None, 28, 28, 1)'),
      layer('encoder', { className: 'Functional', kind: 'model', children: encoder, params: 18672 }),
      layer('decoder', { className: 'Functional', kind: 'model', children: decoder, params: 9569, isOutput: true }),
    ],
    edges: [edge('img', 'encoder'), edge('encoder', 'decoder')],
  };
}

/** `n` Dense layers in a chain after an input, every fifth one also reading the layer four back. */
export function longGraph(n: number): StudioGraph {
  const nodes = [input('x'), ...Array.from({ length: n }, (_, i) => layer(`dense_${i + 1}`))];
  const edges: StudioEdge[] = [];
  for (let i = 1; i < nodes.length; i++) {
    edges.push(edge(nodes[i - 1]!.id, nodes[i]!.id));
    if (i > 4 && i % 5 === 0) edges.push(edge(nodes[i - 4]!.id, nodes[i]!.id, 1));
  }
  return { nodes, edges };
}
