/**
 * Every example model runs through `strata summary` and `strata plot`: the examples are what
 * a person tries first, so each must evaluate, summarise and draw. Slow (two CLI processes
 * per example), so it runs with `npm test` and CI rather than on every change.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSvg, ROOT, STACK_LINE, strata } from './helpers.js';

function modelFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modelFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

const files = modelFiles(join(ROOT, 'examples'));
const out = mkdtempSync(join(tmpdir(), 'strata-examples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('examples/', () => {
  it('has example models', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.concurrent.each(files)('%s: summary and plot', async (file) => {
    const summary = await strata(['summary', file, '--json']);
    expect(summary.stderr).not.toMatch(STACK_LINE);
    expect(summary.code, summary.stderr).toBe(0);
    const json = JSON.parse(summary.stdout) as { layers: Array<{ name: string; inbound: string[] }> };
    expect(json.layers.length).toBeGreaterThan(0);

    const svgFile = join(out, `${file.replace(/[\\/]/g, '__')}.svg`);
    const plot = await strata(['plot', file, '--show-shapes', '-o', svgFile]);
    expect(plot.code, plot.stderr).toBe(0);
    const svg = checkSvg(readFileSync(svgFile, 'utf8'));
    expect(svg.nodes.map((n) => n.id)).toEqual(json.layers.map((l) => l.name));
    for (const n of svg.nodes) expect(n.texts.name).toEqual([n.id]);
    // One arrow per inbound connection between layers of the model (a Sequential model's
    // implicit input layer is not one of its layers, so it has no box and no arrow).
    const names = new Set(json.layers.map((l) => l.name));
    const inbound = json.layers.reduce((k, l) => k + l.inbound.filter((r) => names.has(r.replace(/\[\d+\]\[\d+\]$/, ''))).length, 0);
    expect(svg.edges).toHaveLength(inbound);
  });
});
