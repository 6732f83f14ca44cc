/**
 * The model graph as the graph view draws it: an expanded nested model is replaced by its own
 * layers (framed together), a collapsed one stays one box. Ids of the layers drawn from inside
 * a nested model are `<model id>/<layer id>`, so that they cannot clash with the outer model's.
 */
import type { StudioEdge, StudioGraph, StudioNode } from '../../../shared/ipc/index.js';
import type { PlainGraph } from '../../../shared/graph/index.js';

/** One box of the view. */
export interface ViewNode {
  /** Unique in the view. */
  id: string;
  node: StudioNode;
  /** The expanded nested model it is drawn inside, or null for the model's own layers. */
  parent: string | null;
  /** Whether graph edits may name it: the model's own layers, where the engine allows. */
  editable: boolean;
}

/** One arrow of the view. */
export interface ViewEdge {
  /** Stable across re-layouts, for keeping an edge selected. */
  key: string;
  from: string;
  to: string;
  /** The model's own edge it draws (what a disconnect removes); null inside nested models. */
  source: StudioEdge | null;
}

/** An expanded nested model: a frame around the boxes of its layers. */
export interface ViewFrame {
  id: string;
  node: StudioNode;
  parent: string | null;
  /** Ids of every box drawn inside it, nested frames' boxes included. */
  members: string[];
}

export interface FlatGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** Outermost first. */
  frames: ViewFrame[];
}

/** Where the tensors of an edge end up once nested models are opened. */
interface Ends {
  /** The boxes a tensor entering input `port` of the node flows into. */
  entry(port: number): string[];
  /** The boxes whose outputs leave the node. */
  exit: string[];
}

const SEPARATOR = '/';

/** The id a node of `graph` gets in the view, inside the expanded models `prefix` names. */
function viewId(prefix: string, id: string): string {
  return prefix ? `${prefix}${SEPARATOR}${id}` : id;
}

export function flattenGraph(graph: StudioGraph, expanded: readonly string[]): FlatGraph {
  const open = new Set(expanded);
  const flat: FlatGraph = { nodes: [], edges: [], frames: [] };

  const walk = (g: StudioGraph, prefix: string, parent: string | null): Map<string, Ends> => {
    const ends = new Map<string, Ends>();
    for (const node of g.nodes) {
      const id = viewId(prefix, node.id);
      if (node.kind === 'model' && node.children && open.has(id)) {
        const frame: ViewFrame = { id, node, parent, members: [] };
        flat.frames.push(frame);
        const first = flat.nodes.length;
        const inner = walk(node.children, id, id);
        frame.members = flat.nodes.slice(first).map((n) => n.id);
        const inputs = node.children.nodes.filter((c) => c.kind === 'input').flatMap((c) => inner.get(c.id)!.exit);
        const outputs = node.children.nodes.filter((c) => c.isOutput).flatMap((c) => inner.get(c.id)!.exit);
        ends.set(node.id, {
          // A tensor into the k-th input of the model flows into its k-th input layer.
          entry: (port) => {
            const target = inputs[port] ?? inputs[0];
            return target === undefined ? [] : [target];
          },
          exit: outputs,
        });
      } else {
        flat.nodes.push({ id, node, parent, editable: parent === null && node.editable });
        ends.set(node.id, { entry: () => [id], exit: [id] });
      }
    }
    for (const edge of g.edges) {
      const from = ends.get(edge.from);
      const to = ends.get(edge.to);
      if (!from || !to) continue;
      for (const a of from.exit) {
        for (const b of to.entry(edge.port)) {
          flat.edges.push({ key: `${a}>${b}@${edge.call}.${edge.port}`, from: a, to: b, source: parent === null ? edge : null });
        }
      }
    }
    return ends;
  };

  walk(graph, '', null);
  return flat;
}

/** The node a view id names, looking inside nested models for `<model id>/<layer id>`. */
export function findViewNode(graph: StudioGraph, id: string): StudioNode | null {
  const direct = graph.nodes.find((n) => n.id === id);
  if (direct) return direct;
  for (const n of graph.nodes) {
    if (n.children && id.startsWith(n.id + SEPARATOR)) {
      const inner = findViewNode(n.children, id.slice(n.id.length + SEPARATOR.length));
      if (inner) return inner;
    }
  }
  return null;
}

/** `4,160 params`. */
export function paramsText(params: number): string {
  return `${params.toLocaleString('en-US')} param${params === 1 ? '' : 's'}`;
}

/** The second line of a box: the class name, and the parameter count where a layer has weights to count. */
export function classLine(node: StudioNode): string {
  return node.kind === 'input' ? node.className : `${node.className} · ${paramsText(node.params)}`;
}

/** The box's accessible name: it starts with "<layer name> <class name>", which is how people and tests find it. */
export function accessibleName(node: StudioNode, error: string | null): string {
  const parts = [`${node.name} ${node.className}`, `output ${node.outputShape}`];
  if (node.kind !== 'input') parts.push(paramsText(node.params));
  if (node.calls > 1) parts.push(`shared, called ${node.calls} times`);
  if (node.isOutput) parts.push('model output');
  if (error) parts.push(`error: ${error}`);
  return parts.join(', ');
}

/** What `shared/graph`'s layout measures and draws for each box. */
export function plainGraphOf(flat: FlatGraph): PlainGraph {
  return {
    nodes: flat.nodes.map(({ id, node }) => ({
      id,
      label: node.name,
      sublabel: classLine(node),
      inputShape: node.inputShape,
      outputShape: node.outputShape,
      kind: node.kind,
    })),
    edges: flat.edges.map((e) => ({ from: e.from, to: e.to })),
  };
}
