/**
 * The Pareto front of points scored on two axes: the points no other point beats on both.
 * The comparison view uses it for accuracy (higher is better) against parameter count (lower
 * is better), to show which runs are worth keeping.
 */

export type Better = 'min' | 'max';

export interface ParetoAxes {
  x: Better;
  y: Better;
}

/**
 * The indices of the points on the front, ordered by x from best to worst. Points with a
 * non-finite coordinate are never on it; equal points are all on it.
 */
export function paretoFront(points: ReadonlyArray<{ x: number; y: number }>, axes: ParetoAxes): number[] {
  const sx = axes.x === 'min' ? 1 : -1;
  const sy = axes.y === 'min' ? 1 : -1;
  const order = points
    .map((p, index) => ({ x: sx * p.x, y: sy * p.y, index }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    // Best x first; among equal x, best y first, so a point is only dominated by ones before it.
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const front: number[] = [];
  let bestY = Infinity;
  let lastKept: { x: number; y: number } | null = null;
  for (const p of order) {
    const tie = lastKept !== null && lastKept.x === p.x && lastKept.y === p.y;
    if (p.y < bestY || tie) {
      front.push(p.index);
      bestY = Math.min(bestY, p.y);
      lastKept = p;
    }
  }
  return front;
}
