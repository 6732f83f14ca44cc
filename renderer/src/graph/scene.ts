/**
 * What the graph view draws, in graph coordinates: the automatic layout with the positions
 * the person dragged boxes to laid over it, edges to moved boxes re-routed, and a frame
 * around each expanded nested model. Recomputed as one value whenever anything changes, so
 * the template needs no watcher per box.
 */
import { smoothPath, type GraphLayout, type NodeContent, type NodePlacement, type Point, type RankDir, type TextMetrics } from '../../../shared/graph/index.js';
import type { StudioEdge, StudioNode } from '../../../shared/ipc/index.js';
import type { FlatGraph, ViewNode } from './flatten.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SceneNode extends Box {
  id: string;
  view: ViewNode;
  /** The layout's placement (what the SVG export draws), with the box moved where the person put it. */
  placement: NodePlacement;
  text: BoxText;
}

export interface SceneEdge {
  key: string;
  from: string;
  to: string;
  points: Point[];
  path: string;
  source: StudioEdge | null;
  /** Drawn against the flow: it closes a cycle. */
  reversed: boolean;
}

export interface SceneFrame extends Box {
  id: string;
  node: StudioNode;
  /** 0 for a model nested in the top-level model, 1 inside that, … */
  depth: number;
}

export interface Scene {
  rankdir: RankDir;
  metrics: TextMetrics;
  nodes: SceneNode[];
  edges: SceneEdge[];
  /** Outermost first, so that inner frames are drawn on top. */
  frames: SceneFrame[];
  /** Everything drawn, with a margin. */
  bounds: Box;
  byId: Map<string, SceneNode>;
}

/** Space between a frame and the boxes inside it, and the height of its title bar. */
export const FRAME_PADDING = 10;
export const FRAME_HEADER = 22;
const MARGIN = 16;

/** Where edges leave a box: the middle of its far side along the flow. */
export function outPort(box: Box, rankdir: RankDir): Point {
  return rankdir === 'TB' ? { x: box.x + box.width / 2, y: box.y + box.height } : { x: box.x + box.width, y: box.y + box.height / 2 };
}

/** Where edges enter a box: the middle of its near side. */
export function inPort(box: Box, rankdir: RankDir): Point {
  return rankdir === 'TB' ? { x: box.x + box.width / 2, y: box.y } : { x: box.x, y: box.y + box.height / 2 };
}

/** Path data moved by (dx, dy): every coordinate pair of the absolute commands the layout writes. */
export function translatePath(d: string, dx: number, dy: number): string {
  if (dx === 0 && dy === 0) return d;
  const r = (v: number) => Math.round(v * 100) / 100;
  return d.replace(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g, (_, x: string, y: string) => `${r(Number(x) + dx)},${r(Number(y) + dy)}`);
}

/**
 * The scene for a flattened graph and the automatic layout computed for it. `positions` are
 * the top-left corners the person dragged boxes to; other boxes stay where the layout put them.
 */
export function buildScene(flat: FlatGraph, layout: GraphLayout, positions: Readonly<Record<string, Point>>): Scene {
  const placements = new Map(layout.nodes.map((p) => [p.id, p]));
  const nodes: SceneNode[] = [];
  const delta = new Map<string, Point>();
  for (const view of flat.nodes) {
    const auto = placements.get(view.id);
    if (!auto) throw new Error(`The layout has no box for "${view.id}"; it was computed for another graph.`);
    const moved = positions[view.id];
    const x = moved?.x ?? auto.x;
    const y = moved?.y ?? auto.y;
    if (x !== auto.x || y !== auto.y) delta.set(view.id, { x: x - auto.x, y: y - auto.y });
    nodes.push({
      id: view.id, view, placement: { ...auto, x, y }, text: boxText(auto.content, auto.width, layout.metrics),
      x, y, width: auto.width, height: auto.height,
    });
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));

  const edges: SceneEdge[] = flat.edges.map((e, i) => {
    const route = layout.edges[i];
    if (!route || route.from !== e.from || route.to !== e.to) {
      throw new Error(`The layout's edge ${i} does not match ${e.from} -> ${e.to}; it was computed for another graph.`);
    }
    const base = { key: e.key, from: e.from, to: e.to, source: e.source, reversed: route.reversed };
    const dFrom = delta.get(e.from);
    const dTo = delta.get(e.to);
    if (!dFrom && !dTo) return { ...base, points: route.points, path: route.path };
    if (e.from === e.to) {
      const d = dFrom!;
      return { ...base, points: route.points.map((p) => ({ x: p.x + d.x, y: p.y + d.y })), path: translatePath(route.path, d.x, d.y) };
    }
    // A moved box breaks the route the layout threaded between boxes: a direct curve instead.
    const points = [outPort(byId.get(e.from)!, layout.rankdir), inPort(byId.get(e.to)!, layout.rankdir)];
    return { ...base, points, path: smoothPath(points, layout.rankdir) };
  });

  const frames = frameBoxes(flat, byId);
  return { rankdir: layout.rankdir, metrics: layout.metrics, nodes, edges, frames, bounds: boundsOf(nodes, edges, frames), byId };
}

function frameBoxes(flat: FlatGraph, byId: Map<string, SceneNode>): SceneFrame[] {
  const depthOf = new Map<string, number>();
  for (const f of flat.frames) depthOf.set(f.id, f.parent === null ? 0 : depthOf.get(f.parent)! + 1);
  const boxes = new Map<string, SceneFrame>();
  // Innermost first: an outer frame wraps the frames inside it.
  for (const f of [...flat.frames].reverse()) {
    const inside: Box[] = f.members.map((id) => byId.get(id)!);
    for (const inner of flat.frames) if (inner.parent === f.id) inside.push(boxes.get(inner.id)!);
    const b = union(inside);
    boxes.set(f.id, {
      id: f.id,
      node: f.node,
      depth: depthOf.get(f.id)!,
      x: b.x - FRAME_PADDING,
      y: b.y - FRAME_PADDING - FRAME_HEADER,
      width: b.width + 2 * FRAME_PADDING,
      height: b.height + 2 * FRAME_PADDING + FRAME_HEADER,
    });
  }
  return flat.frames.map((f) => boxes.get(f.id)!);
}

function union(boxes: Box[]): Box {
  if (boxes.length === 0) return { x: 0, y: 0, width: 0, height: 0 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const b of boxes) {
    minX = Math.min(minX, b.x);
    minY = Math.min(minY, b.y);
    maxX = Math.max(maxX, b.x + b.width);
    maxY = Math.max(maxY, b.y + b.height);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

function boundsOf(nodes: SceneNode[], edges: SceneEdge[], frames: SceneFrame[]): Box {
  const boxes: Box[] = [...nodes, ...frames];
  for (const e of edges) for (const p of e.points) boxes.push({ x: p.x, y: p.y, width: 0, height: 0 });
  const b = union(boxes);
  return { x: b.x - MARGIN, y: b.y - MARGIN, width: b.width + 2 * MARGIN, height: b.height + 2 * MARGIN };
}

/** One line of text in a box, positioned relative to the box's top-left corner. */
export interface BoxLine {
  text: string;
  kind: 'name' | 'class-name' | 'shape';
  x: number;
  y: number;
  anchor: 'middle' | 'start';
}

export interface BoxText {
  lines: BoxLine[];
  /** Where the divider above the shapes goes, or null without shapes. */
  divider: number | null;
}

/** The text of a box placed as `shared/graph`'s SVG places it, so that the view and the export match. */
export function boxText(c: NodeContent, width: number, metrics: TextMetrics): BoxText {
  const { fontSize, lineHeight, paddingX, paddingY, sectionGap } = metrics;
  const baseline = (top: number) => top + lineHeight / 2 + fontSize * 0.35;
  const cx = width / 2;
  const lines: BoxLine[] = [];
  let y = paddingY;
  if (c.title !== undefined) {
    lines.push({ text: c.title, kind: 'name', x: cx, y: baseline(y), anchor: 'middle' });
    y += lineHeight;
  }
  if (c.subtitle !== undefined) {
    lines.push({ text: c.subtitle, kind: 'class-name', x: cx, y: baseline(y), anchor: 'middle' });
    y += lineHeight;
  }
  let divider: number | null = null;
  if (c.shapes && c.shapes.length > 0) {
    divider = y + sectionGap / 2;
    y += sectionGap;
    for (const s of c.shapes) {
      lines.push({ text: s, kind: 'shape', x: paddingX, y: baseline(y), anchor: 'start' });
      y += lineHeight;
    }
  }
  return { lines, divider };
}
