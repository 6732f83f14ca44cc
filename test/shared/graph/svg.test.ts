import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeXml, graphToSvg, layoutGraph, renderSvg, type PlainGraph } from '../../../shared/graph/index.js';
import { checkSvg } from '../../cli/helpers.js';

const graph: PlainGraph = {
  nodes: [
    { id: 'in', label: 'in<put> & "quotes"', sublabel: 'InputLayer', kind: 'input', inputShape: '(None, 8)', outputShape: '(None, 8)' },
    { id: 'd', label: "it's\u0007odd", sublabel: 'Dense', inputShape: '(None, 8)', outputShape: '(None, 4)' },
    { id: 'm', label: 'sub', sublabel: 'Functional', kind: 'model', inputShape: '(None, 4)', outputShape: '(None, 4)' },
  ],
  edges: [
    { from: 'in', to: 'd' },
    { from: 'd', to: 'm' },
    { from: 'in', to: 'm' },
  ],
};

describe('svg', () => {
  it('escapes the five XML characters and replaces characters XML cannot hold', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('bell\u0007 nul\u0000 tab\t ok')).toBe('bell\ufffd nul\ufffd tab\t ok');
    expect(escapeXml('lone \ud800 pair \ud83d\ude00')).toBe('lone \ufffd pair \ud83d\ude00');
  });

  it('renders a well-formed document: one group per node with its text, one path per edge', () => {
    const svg = graphToSvg(graph, { showShapes: true, title: 'a <model>' });
    const parsed = checkSvg(svg);
    expect(parsed.nodes.map((n) => n.id)).toEqual(['in', 'd', 'm']);
    expect(parsed.nodes[0]!.texts.name).toEqual(['in<put> & "quotes"']);
    expect(parsed.nodes[1]!.texts.name).toEqual(["it's\ufffdodd"]);
    expect(parsed.nodes[2]!.texts['class-name']).toEqual(['Functional']);
    expect(parsed.nodes[1]!.texts.shape).toEqual(['Input shape: (None, 8)', 'Output shape: (None, 4)']);
    expect(parsed.nodes.map((n) => n.classes[1])).toEqual(['node-input', 'node-layer', 'node-model']);
    expect(parsed.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['in->d', 'd->m', 'in->m']);
    for (const e of parsed.edges) expect(e.d).toMatch(/^M[\d.]+,[\d.]+( [LC][\d., ]+)+$/);
    expect(svg).toContain('<title>a &lt;model&gt;</title>');
    expect(svg).toContain('marker-end="url(#strata-arrow)"');
  });

  it('draws the same layout it is given, with ids prefixed for several pictures on a page', () => {
    const layout = layoutGraph(graph, { rankdir: 'LR' });
    const svg = renderSvg(layout, { idPrefix: 'p1 "x"' });
    expect(svg).toContain('<marker id="p1__x_arrow"');
    expect(svg).toContain(`width="${layout.width}" height="${layout.height}"`);
    for (const p of layout.nodes) expect(svg).toContain(`transform="translate(${p.x},${p.y})"`);
    checkSvg(svg);
  });

  it('imports nothing outside shared/ (the renderer runs it in the browser)', () => {
    const dir = new URL('../../../shared/graph/', import.meta.url);
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(new URL(name, dir), 'utf8');
      const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const spec of imports) expect(spec, `${name} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
    }
  });
});
