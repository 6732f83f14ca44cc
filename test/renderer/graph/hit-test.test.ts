import { describe, expect, it } from 'vitest';
import { autoLayout } from '../../../renderer/src/graph/auto-layout.js';
import { flattenGraph, plainGraphOf } from '../../../renderer/src/graph/flatten.js';
import { connectTarget, nodeAt } from '../../../renderer/src/graph/hit-test.js';
import { buildScene } from '../../../renderer/src/graph/scene.js';
import { nestedGraph } from './fixtures.js';

const flat = flattenGraph(nestedGraph(), ['encoder']);
const scene = buildScene(flat, autoLayout({ graph: plainGraphOf(flat), rankdir: 'TB' }), {});
const centre = (id: string) => {
  const n = scene.byId.get(id)!;
  return { x: n.x + n.width / 2, y: n.y + n.height / 2 };
};

describe('hit testing', () => {
  it('finds the box under a point, and nothing between boxes', () => {
    expect(nodeAt(scene, centre('decoder'))?.id).toBe('decoder');
    expect(nodeAt(scene, { x: scene.bounds.x, y: scene.bounds.y })).toBeNull();
  });

  it('offers only editable layers that take inputs as the end of a new connection', () => {
    expect(connectTarget(scene, 'img', centre('decoder'))?.id).toBe('decoder');
    expect(connectTarget(scene, 'decoder', centre('decoder'))).toBeNull();
    expect(connectTarget(scene, 'decoder', centre('img'))).toBeNull();
    expect(connectTarget(scene, 'img', centre('encoder/conv'))).toBeNull();
  });
});
