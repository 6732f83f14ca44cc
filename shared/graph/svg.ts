/**
 * Draws a laid-out graph as a standalone SVG document: one `<g class="node">` per box (name,
 * class name, and shapes when asked), one `<path class="edge">` per edge with an arrowhead.
 * Pure string building, so the renderer can export the same picture.
 */
import { layoutGraph, type GraphLayout, type LayoutOptions, type NodePlacement, type PlainGraph } from './layout.js';

export interface SvgOptions {
  /** Document title (`<title>`), e.g. the model name. */
  title?: string;
  /** Prefix for ids inside the document (the arrowhead marker), for several SVGs on one page. */
  idPrefix?: string;
  /** Font family of the box text; the layout's default measure assumes a monospace font. */
  fontFamily?: string;
}

const DEFAULT_FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

const STYLE = {
  layer: { fill: '#f6f8fb', stroke: '#4a5568', header: '#e3e9f3' },
  input: { fill: '#eef7ee', stroke: '#3f6f46', header: '#d6ecd8' },
  model: { fill: '#fbf6ee', stroke: '#7a5a2b', header: '#f1e3c8' },
  edge: '#5a6272',
  text: '#1a202c',
  muted: '#4a5568',
};

/**
 * Text for XML content and attribute values: the five special characters as entities, and
 * characters XML 1.0 does not allow (control characters, lone surrogates) as U+FFFD.
 */
export function escapeXml(text: string): string {
  return String(text)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const num = (v: number) => String(Math.round(v * 100) / 100);

function renderNode(p: NodePlacement, layout: GraphLayout): string {
  const { fontSize, lineHeight, paddingX, paddingY, sectionGap } = layout.metrics;
  const kind = p.node.kind ?? 'layer';
  const style = STYLE[kind] ?? STYLE.layer;
  const out: string[] = [];
  out.push(
    `<g class="node node-${kind}" data-id="${escapeXml(p.id)}" transform="translate(${num(p.x)},${num(p.y)})">`,
    `<title>${escapeXml(p.node.sublabel ? `${p.node.label} (${p.node.sublabel})` : p.node.label)}</title>`,
    `<rect width="${num(p.width)}" height="${num(p.height)}" rx="5" ry="5" fill="${style.fill}" stroke="${style.stroke}" stroke-width="1.2"/>`,
  );
  if (kind === 'model') {
    // A nested model: a second outline inside, as a group drawn closed.
    out.push(
      `<rect x="3" y="3" width="${num(p.width - 6)}" height="${num(p.height - 6)}" rx="3" ry="3" fill="none" stroke="${style.stroke}" stroke-width="0.8"/>`,
    );
  }
  const cx = p.width / 2;
  // Baseline of a line whose box starts at `top`: centred in the line height.
  const baseline = (top: number) => top + lineHeight / 2 + fontSize * 0.35;
  let y = paddingY;
  const c = p.content;
  if (c.title !== undefined) {
    out.push(`<text class="name" x="${num(cx)}" y="${num(baseline(y))}" text-anchor="middle" font-weight="bold" fill="${STYLE.text}">${escapeXml(c.title)}</text>`);
    y += lineHeight;
  }
  if (c.subtitle !== undefined) {
    out.push(`<text class="class-name" x="${num(cx)}" y="${num(baseline(y))}" text-anchor="middle" fill="${STYLE.muted}">${escapeXml(c.subtitle)}</text>`);
    y += lineHeight;
  }
  if (c.shapes && c.shapes.length > 0) {
    const divider = y + sectionGap / 2;
    out.push(`<line x1="0" y1="${num(divider)}" x2="${num(p.width)}" y2="${num(divider)}" stroke="${style.stroke}" stroke-width="0.6"/>`);
    y += sectionGap;
    for (const s of c.shapes) {
      out.push(`<text class="shape" x="${num(paddingX)}" y="${num(baseline(y))}" fill="${STYLE.text}">${escapeXml(s)}</text>`);
      y += lineHeight;
    }
  }
  out.push('</g>');
  return out.join('\n');
}

/** The SVG document for a layout. */
export function renderSvg(layout: GraphLayout, options: SvgOptions = {}): string {
  const prefix = (options.idPrefix ?? 'strata-').replace(/[^A-Za-z0-9_-]/g, '_');
  const arrow = `${prefix}arrow`;
  const font = options.fontFamily ?? DEFAULT_FONT;
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="${escapeXml(font)}" font-size="${num(layout.metrics.fontSize)}">`,
  ];
  if (options.title !== undefined) lines.push(`<title>${escapeXml(options.title)}</title>`);
  lines.push(
    '<defs>',
    `<marker id="${arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">`,
    `<path d="M0,1 L9,5 L0,9 z" fill="${STYLE.edge}"/>`,
    '</marker>',
    '</defs>',
    `<rect class="background" width="${layout.width}" height="${layout.height}" fill="#ffffff"/>`,
    '<g class="edges">',
  );
  for (const e of layout.edges) {
    lines.push(
      `<path class="edge${e.reversed ? ' reversed' : ''}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}" d="${e.path}" fill="none" stroke="${STYLE.edge}" stroke-width="1.3" marker-end="url(#${arrow})"/>`,
    );
  }
  lines.push('</g>', '<g class="nodes">');
  for (const p of layout.nodes) lines.push(renderNode(p, layout));
  lines.push('</g>', '</svg>', '');
  return lines.join('\n');
}

/** Lays out and draws a graph in one call. */
export function graphToSvg(graph: PlainGraph, options: LayoutOptions & SvgOptions = {}): string {
  return renderSvg(layoutGraph(graph, options), options);
}
