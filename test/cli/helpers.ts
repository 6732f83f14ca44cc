/** Runs the real command line as a child process, and checks SVG output without a DOM. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/strata.mjs ...args` (or the command line file `cli`) in the repository root (or `cwd`). */
export function strata(args: string[], options: { cwd?: string; cli?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? `${ROOT}bin/strata.mjs`, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Lines of a stack trace (`    at fn (file:1:2)`). */
export const STACK_LINE = /^\s+at /m;

export interface SvgNode {
  id: string;
  classes: string[];
  texts: Record<string, string[]>;
}

export interface SvgCheck {
  nodes: SvgNode[];
  edges: Array<{ from: string; to: string; d: string }>;
  width: number;
  height: number;
}

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/**
 * Parses an SVG document strictly enough to catch what a browser would reject: tags balanced
 * and properly nested, attributes quoted, no raw `<` or stray `&` in text, one `<svg>` root.
 * Returns the node groups (with the text of their `<text>` elements by class) and the edges.
 */
export function checkSvg(svg: string): SvgCheck {
  let body = svg.replace(/^<\?xml[^?]*\?>\s*/, '');
  body = body.replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: Array<{ name: string; attrs: Record<string, string> }> = [];
  const nodes: SvgNode[] = [];
  const edges: SvgCheck['edges'] = [];
  let width = NaN;
  let height = NaN;
  let roots = 0;
  let last = 0;
  let currentNode: SvgNode | null = null;
  let currentText: { cls: string; text: string } | null = null;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (/[<>]/.test(between)) throw new Error(`Stray markup before offset ${m.index}: ${JSON.stringify(between.slice(0, 80))}`);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(between)) throw new Error(`Unescaped & in text: ${JSON.stringify(between)}`);
    if (between.trim() && stack.length === 0) throw new Error(`Text outside the root element: ${JSON.stringify(between)}`);
    if (currentText) currentText.text += unescape(between);
    last = m.index + m[0].length;
    const [, closing, name, attrText, selfClosing] = m as unknown as [string, string, string, string, string];
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`Attribute ${a[1]} twice on <${name}>`);
      attrs[a[1]!] = unescape(a[2]!);
    }
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      if (name === 'text' && currentText && currentNode) {
        (currentNode.texts[currentText.cls] ??= []).push(currentText.text);
        currentText = null;
      }
      if (name === 'g' && open.attrs.class?.split(' ').includes('node')) currentNode = null;
      continue;
    }
    if (stack.length === 0) {
      roots++;
      if (name !== 'svg') throw new Error(`The root element is <${name}>, not <svg>`);
      if (attrs.xmlns !== 'http://www.w3.org/2000/svg') throw new Error('The <svg> root has no SVG namespace');
      width = Number(attrs.width);
      height = Number(attrs.height);
    }
    if (name === 'g' && attrs.class?.split(' ').includes('node')) {
      if (currentNode) throw new Error('A node group inside a node group');
      currentNode = { id: attrs['data-id'] ?? '', classes: attrs.class.split(' '), texts: {} };
      nodes.push(currentNode);
    }
    if (name === 'path' && attrs.class?.split(' ').includes('edge')) {
      edges.push({ from: attrs['data-from'] ?? '', to: attrs['data-to'] ?? '', d: attrs.d ?? '' });
    }
    if (name === 'text') currentText = { cls: attrs.class ?? '', text: '' };
    if (!selfClosing) stack.push({ name, attrs });
  }
  const rest = body.slice(last);
  if (rest.trim()) throw new Error(`Content after the root element: ${JSON.stringify(rest.slice(0, 80))}`);
  if (stack.length > 0) throw new Error(`Unclosed <${stack.map((s) => s.name).join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return { nodes, edges, width, height };
}
