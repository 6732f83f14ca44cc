import { describe, expect, it } from 'vitest';
import {
  centerOn, fitViewport, graphToMinimap, graphToScreen, MAX_SCALE, MIN_SCALE, minimapToGraph, minimapTransform, openingViewport, READABLE_SCALE, screenToGraph, showsAll, visibleBox, zoomAround,
} from '../../../renderer/src/graph/viewport.js';

describe('viewport', () => {
  it('zooms around the pointer: the graph point under it stays put', () => {
    const v = { x: 30, y: -20, k: 0.8 };
    const before = screenToGraph(v, 200, 150);
    const z = zoomAround(v, 1.7, 200, 150);
    expect(z.k).toBeCloseTo(1.36);
    const after = graphToScreen(z, before.x, before.y);
    expect(after.x).toBeCloseTo(200);
    expect(after.y).toBeCloseTo(150);
  });

  it('never zooms past its limits', () => {
    expect(zoomAround({ x: 0, y: 0, k: 1 }, 1000, 0, 0).k).toBe(MAX_SCALE);
    expect(zoomAround({ x: 0, y: 0, k: 1 }, 1e-6, 0, 0).k).toBe(MIN_SCALE);
  });

  it('fits the whole graph, centred, without magnifying a small one', () => {
    const bounds = { x: -100, y: 50, width: 2000, height: 1000 };
    const v = fitViewport(bounds, 800, 600);
    expect(v.k).toBeCloseTo(0.4);
    const shown = visibleBox(v, 800, 600);
    expect(shown.x).toBeLessThanOrEqual(bounds.x + 1e-9);
    expect(shown.x + shown.width).toBeGreaterThanOrEqual(bounds.x + bounds.width - 1e-9);
    expect(shown.y + shown.height / 2).toBeCloseTo(bounds.y + bounds.height / 2);
    expect(fitViewport({ x: 0, y: 0, width: 100, height: 50 }, 800, 600).k).toBe(1);
  });

  it('opens a long model at its top, readable, and a small one whole', () => {
    const long = { x: 0, y: 0, width: 300, height: 70_000 };
    const v = openingViewport(long, 800, 600);
    expect(v.k).toBe(READABLE_SCALE);
    expect(screenToGraph(v, 400, 0)).toEqual({ x: 150, y: 0 });
    const small = { x: 0, y: 0, width: 300, height: 400 };
    expect(openingViewport(small, 800, 600)).toEqual(fitViewport(small, 800, 600));
  });

  it('centres the view on a graph point', () => {
    const v = centerOn({ x: 0, y: 0, k: 2 }, 100, 40, 800, 600);
    expect(graphToScreen(v, 100, 40)).toEqual({ x: 400, y: 300 });
  });

  it('centres the whole graph in the minimap and maps its points back onto the graph', () => {
    const bounds = { x: -50, y: 0, width: 1000, height: 4000 };
    const t = minimapTransform(bounds, 160, 140);
    expect(graphToMinimap(t, -50, 0)).toEqual({ x: 62.5, y: 0 });
    expect(graphToMinimap(t, 950, 4000)).toEqual({ x: 97.5, y: 140 });
    const p = minimapToGraph(t, 80, 140);
    expect(p.x).toBeCloseTo(450);
    expect(p.y).toBeCloseTo(4000);
  });

  it('tells whether the whole graph is on screen', () => {
    const bounds = { x: 0, y: 0, width: 400, height: 300 };
    expect(showsAll({ x: 0, y: 0, k: 1 }, 800, 600, bounds)).toBe(true);
    expect(showsAll({ x: -10, y: 0, k: 1 }, 800, 600, bounds)).toBe(false);
    expect(showsAll({ x: 0, y: 0, k: 2 }, 800, 600, bounds)).toBe(true);
    expect(showsAll({ x: 0, y: 0, k: 2.5 }, 800, 600, bounds)).toBe(false);
  });
});
