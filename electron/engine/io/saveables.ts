/**
 * Where each layer's variables live in a Keras 3 weights file. Keras walks the model as an
 * object tree: a model's `layers` list, a recurrent layer's `cell`, a wrapper's `layer`,
 * Bidirectional's `backward_layer` and `forward_layer`; a layer met twice (shared) is saved
 * once, at its first place. Layers in a list are named by their class in snake_case with a
 * per-class counter (`dense`, `dense_1`), not by their own names, so paths do not depend on
 * auto-generated names.
 */
import { Functional } from '../graph/functional.js';
import { InputLayer } from '../graph/input-layer.js';
import type { Layer, Weight } from '../graph/layer.js';
import { toSnakeCase } from '../graph/naming.js';
import { Sequential } from '../graph/sequential.js';
import { Bidirectional, TimeDistributed } from '../layers/wrappers.js';
import { RNN } from '../layers/recurrent.js';

export interface SaveableEntry {
  /** The group path without the trailing `vars` ('' for the model itself). */
  path: string;
  /** The path of the layer that holds this one ('' under the model; null for the model). */
  parent: string | null;
  /** In a list: the class's snake_case name and how many of that class came before in the list. */
  member: { base: string; ordinal: number } | null;
  layer: Layer;
  /** Keras' own-variable order: those created trainable, then the others, each in creation order. */
  variables: Weight[];
}

/** The attributes through which Keras reaches a layer's children, in the order it visits them. */
function children(layer: Layer): Array<[string, Layer | Layer[]]> {
  if (layer instanceof Sequential) return [['layers', layer.layers.filter((l) => !(l instanceof InputLayer))]];
  if (layer instanceof Functional) return [['layers', layer.layers]];
  if (layer instanceof RNN) return [['cell', layer.cell]];
  if (layer instanceof Bidirectional) return [['backward_layer', layer.backwardLayer], ['forward_layer', layer.forwardLayer]];
  if (layer instanceof TimeDistributed) return [['layer', layer.layer]];
  // Custom layers: their sublayers, as one list.
  const inner = layer.sublayers();
  return inner.length > 0 ? [['layers', inner]] : [];
}

export function ownVariables(layer: Layer): Weight[] {
  const own = layer.ownVariables;
  return [...own.filter((w) => w.ownTrainable), ...own.filter((w) => !w.ownTrainable)];
}

const join = (a: string, b: string) => (a ? `${a}/${b}` : b);

/** Every layer of the model (the model first) with its weights-file path. */
export function saveableEntries(model: Functional): SaveableEntry[] {
  const out: SaveableEntry[] = [];
  const visited = new Set<Layer>();
  const visit = (layer: Layer, path: string, parent: string | null, member: SaveableEntry['member']) => {
    if (visited.has(layer)) return;
    visited.add(layer);
    out.push({ path, parent, member, layer, variables: ownVariables(layer) });
    for (const [attr, child] of children(layer)) {
      if (!Array.isArray(child)) {
        visit(child, join(path, attr), path, null);
        continue;
      }
      const used = new Map<string, number>();
      for (const item of child) {
        const base = toSnakeCase(item.className);
        const ordinal = used.get(base) ?? 0;
        used.set(base, ordinal + 1);
        visit(item, join(join(path, attr), ordinal === 0 ? base : `${base}_${ordinal}`), path, { base, ordinal });
      }
    }
  };
  visit(model, '', null, null);
  return out;
}
