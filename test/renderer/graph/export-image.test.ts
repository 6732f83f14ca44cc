import { describe, expect, it } from 'vitest';
import { autoLayout } from '../../../renderer/src/graph/auto-layout.js';
import { sceneToSvg } from '../../../renderer/src/graph/export-image.js';
import { flattenGraph, plainGraphOf } from '../../../renderer/src/graph/flatten.js';
import { buildScene } from '../../../renderer/src/graph/scene.js';
import { mnistGraph } from './fixtures.js';

function exported(positions = {}) {
  const flat = flattenGraph(mnistGraph(), []);
  return sceneToSvg(buildScene(flat, autoLayout({ graph: plainGraphOf(flat), rankdir: 'TB' }), positions));
}

const numbersIn = (svg: string, attribute: string) => [...svg.matchAll(new RegExp(`${attribute}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe('SVG export', () => {
  it('is a standalone document with every layer and every edge', () => {
    const svg = exported();
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const name of ['img', 'dense_1', 'dense_2', 'dense_3']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('Dense · 50,240 params');
    expect(svg.match(/<path class="edge/g)).toHaveLength(3);
  });

  it('moves a drawing with a box dragged above and left of the layout into the picture', () => {
    const svg = exported({ dense_2: { x: -300, y: -200 } });
    const translations = numbersIn(svg, 'transform').map((t) => t.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number));
    for (const [x, y] of translations) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
    }
    for (const d of numbersIn(svg, 'd').filter((d) => d.startsWith('M') && !d.startsWith('M0,1'))) {
      for (const n of d.match(/-?\d+(\.\d+)?/g)!.map(Number)) expect(n).toBeGreaterThanOrEqual(0);
    }
  });
});
