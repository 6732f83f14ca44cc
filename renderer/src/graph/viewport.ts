/** Pan and zoom of the graph view: a point `p` of the graph is drawn at `p * k + (x, y)` on screen. */
import type { Point } from '../../../shared/graph/index.js';
import type { Box } from './scene.js';

export interface Viewport {
  x: number;
  y: number;
  k: number;
}

export const MIN_SCALE = 0.01;
/** The smallest scale at which box text can still be read. */
export const READABLE_SCALE = 0.5;
export const MAX_SCALE = 4;

const clampScale = (k: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));

export function screenToGraph(v: Viewport, sx: number, sy: number): Point {
  return { x: (sx - v.x) / v.k, y: (sy - v.y) / v.k };
}

export function graphToScreen(v: Viewport, gx: number, gy: number): Point {
  return { x: gx * v.k + v.x, y: gy * v.k + v.y };
}

/** Zooms by `factor`, keeping the graph point under the screen point (sx, sy) where it is. */
export function zoomAround(v: Viewport, factor: number, sx: number, sy: number): Viewport {
  const k = clampScale(v.k * factor);
  const g = screenToGraph(v, sx, sy);
  return { k, x: sx - g.x * k, y: sy - g.y * k };
}

/** The whole of `bounds` centred in a view of the given size, never magnified beyond 1:1. */
export function fitViewport(bounds: Box, width: number, height: number): Viewport {
  if (bounds.width <= 0 || bounds.height <= 0 || width <= 0 || height <= 0) return { x: 0, y: 0, k: 1 };
  const k = clampScale(Math.min(1, width / bounds.width, height / bounds.height));
  return { k, x: (width - bounds.width * k) / 2 - bounds.x * k, y: (height - bounds.height * k) / 2 - bounds.y * k };
}

/**
 * How a model is first shown: whole if it can be read that way, else its top (where the
 * inputs are) at a readable scale, centred across.
 */
export function openingViewport(bounds: Box, width: number, height: number): Viewport {
  const fitted = fitViewport(bounds, width, height);
  if (fitted.k >= READABLE_SCALE) return fitted;
  const k = READABLE_SCALE;
  const x = bounds.width * k <= width ? (width - bounds.width * k) / 2 - bounds.x * k : -bounds.x * k;
  return { k, x, y: -bounds.y * k };
}

/** The view moved so that the graph point (gx, gy) is at its centre. */
export function centerOn(v: Viewport, gx: number, gy: number, width: number, height: number): Viewport {
  return { k: v.k, x: width / 2 - gx * v.k, y: height / 2 - gy * v.k };
}

/** The part of the graph the view shows, in graph coordinates. */
export function visibleBox(v: Viewport, width: number, height: number): Box {
  const topLeft = screenToGraph(v, 0, 0);
  return { x: topLeft.x, y: topLeft.y, width: width / v.k, height: height / v.k };
}

/** How the minimap draws the graph: graph point `p` at `(p - origin) * scale + offset`. */
export interface MinimapTransform {
  scale: number;
  originX: number;
  originY: number;
  offsetX: number;
  offsetY: number;
}

/** The whole of `bounds` centred in a minimap of the given size. */
export function minimapTransform(bounds: Box, width: number, height: number): MinimapTransform {
  const scale = Math.min(width / Math.max(bounds.width, 1), height / Math.max(bounds.height, 1));
  return {
    scale,
    originX: bounds.x,
    originY: bounds.y,
    offsetX: (width - bounds.width * scale) / 2,
    offsetY: (height - bounds.height * scale) / 2,
  };
}

export function graphToMinimap(t: MinimapTransform, gx: number, gy: number): Point {
  return { x: (gx - t.originX) * t.scale + t.offsetX, y: (gy - t.originY) * t.scale + t.offsetY };
}

export function minimapToGraph(t: MinimapTransform, mx: number, my: number): Point {
  return { x: t.originX + (mx - t.offsetX) / t.scale, y: t.originY + (my - t.offsetY) / t.scale };
}

/** Whether all of `bounds` is on screen (then the minimap has nothing to add). */
export function showsAll(v: Viewport, width: number, height: number, bounds: Box): boolean {
  const shown = visibleBox(v, width, height);
  return bounds.x >= shown.x && bounds.y >= shown.y && bounds.x + bounds.width <= shown.x + shown.width && bounds.y + bounds.height <= shown.y + shown.height;
}
