/** Which box is under a point of the graph, for dropping a new connection onto it. */
import type { Point } from '../../../shared/graph/index.js';
import type { Scene, SceneNode } from './scene.js';

export function nodeAt(scene: Scene, p: Point): SceneNode | null {
  // Later boxes are drawn on top.
  for (let i = scene.nodes.length - 1; i >= 0; i--) {
    const n = scene.nodes[i]!;
    if (p.x >= n.x && p.x <= n.x + n.width && p.y >= n.y && p.y <= n.y + n.height) return n;
  }
  return null;
}

/** The box a connection dragged from `fromId` would end on at `p`: an editable layer that takes inputs, not the source itself. */
export function connectTarget(scene: Scene, fromId: string, p: Point): SceneNode | null {
  const n = nodeAt(scene, p);
  if (!n || n.id === fromId || !n.view.editable || n.view.node.kind === 'input') return null;
  return n;
}
