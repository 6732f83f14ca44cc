import { describe, expect, it } from 'vitest';
import { accessibleName, findViewNode, flattenGraph, paramsText, plainGraphOf } from '../../../renderer/src/graph/flatten.js';
import { layer, mnistGraph, nestedGraph } from './fixtures.js';

describe('flattenGraph', () => {
  it('draws each layer of a plain model once, editable where the engine allows', () => {
    const flat = flattenGraph(mnistGraph(), []);
    expect(flat.nodes.map((n) => n.id)).toEqual(['img', 'dense_1', 'dense_2', 'dense_3']);
    expect(flat.nodes.every((n) => n.editable && n.parent === null)).toBe(true);
    expect(flat.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['img>dense_1', 'dense_1>dense_2', 'dense_2>dense_3']);
    expect(flat.edges.every((e) => e.source !== null)).toBe(true);
    expect(flat.frames).toEqual([]);
  });

  it('keeps a collapsed nested model as one box', () => {
    const flat = flattenGraph(nestedGraph(), []);
    expect(flat.nodes.map((n) => n.id)).toEqual(['img', 'encoder', 'decoder']);
    expect(flat.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['img>encoder', 'encoder>decoder']);
  });

  it('replaces an expanded nested model by its layers, wired to what feeds it and what it feeds', () => {
    const flat = flattenGraph(nestedGraph(), ['encoder']);
    expect(flat.nodes.map((n) => n.id)).toEqual(['img', 'encoder/original_img', 'encoder/conv', 'encoder/pool', 'decoder']);
    expect(flat.edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      'encoder/original_img>encoder/conv',
      'encoder/conv>encoder/pool',
      'img>encoder/original_img',
      'encoder/pool>decoder',
    ]);
    expect(flat.frames).toEqual([expect.objectContaining({ id: 'encoder', parent: null, members: ['encoder/original_img', 'encoder/conv', 'encoder/pool'] })]);
    const inner = flat.nodes.filter((n) => n.parent === 'encoder');
    expect(inner.every((n) => !n.editable)).toBe(true);
    // Disconnecting names the model's own edge, not the inner layers.
    expect(flat.edges.find((e) => e.to === 'encoder/original_img')!.source).toEqual({ from: 'img', to: 'encoder', call: 0, port: 0 });
    expect(flat.edges.find((e) => e.to === 'encoder/conv')!.source).toBeNull();
  });

  it('opens both nested models when both are expanded', () => {
    const flat = flattenGraph(nestedGraph(), ['encoder', 'decoder']);
    expect(flat.edges.map((e) => `${e.from}>${e.to}`)).toContain('encoder/pool>decoder/encoded_img');
    expect(flat.frames.map((f) => f.id)).toEqual(['encoder', 'decoder']);
  });

  it('gives every view id a node findViewNode resolves', () => {
    const graph = nestedGraph();
    for (const n of flattenGraph(graph, ['encoder', 'decoder']).nodes) expect(findViewNode(graph, n.id)).toBe(n.node);
    expect(findViewNode(graph, 'encoder/missing')).toBeNull();
  });
});

describe('what a box says', () => {
  it('names the layer and its class first, then its shape and parameters', () => {
    expect(accessibleName(layer('dense_1'), null)).toBe('dense_1 Dense, output (None, 64), 4,160 params');
    expect(accessibleName(layer('shared', { calls: 2, isOutput: true }), 'boom')).toBe(
      'shared Dense, output (None, 64), 4,160 params, shared, called 2 times, model output, error: boom',
    );
    expect(paramsText(1)).toBe('1 param');
    expect(paramsText(1234567)).toBe('1,234,567 params');
  });

  it('hands the layout the name, class and parameters, and both shapes', () => {
    const plain = plainGraphOf(flattenGraph(mnistGraph(), []));
    expect(plain.nodes[0]).toEqual({ id: 'img', label: 'img', sublabel: 'InputLayer', inputShape: '(None, 784)', outputShape: '(None, 784)', kind: 'input' });
    expect(plain.nodes[1]!.sublabel).toBe('Dense · 50,240 params');
  });
});
