/**
 * The built-in layer classes model code can create through `layers.*`, with the factory that
 * creates each (its positional arguments) and the engine file it lives in (its family).
 */
import { builtinLayerClasses, type LayerClass } from '../../engine/graph/registry.js';
import * as core from '../../engine/layers/core.js';
import * as conv from '../../engine/layers/conv.js';
import * as pooling from '../../engine/layers/pooling.js';
import * as reshaping from '../../engine/layers/reshaping.js';
import * as merge from '../../engine/layers/merge.js';
import * as normalization from '../../engine/layers/normalization.js';
import * as activation from '../../engine/layers/activation.js';
import * as recurrent from '../../engine/layers/recurrent.js';
import * as wrappers from '../../engine/layers/wrappers.js';
import * as embedding from '../../engine/layers/embedding.js';
import { layers } from '../../engine/layers/index.js';

export interface BuiltinLayer {
  className: string;
  family: string;
  cls: LayerClass & { options: readonly string[] | null };
  /** The options `layers.<className>(…)` takes by position. */
  positional: readonly string[];
  /** `add`, `concatenate`, …: the helper that creates the layer and calls it in one go, where there is one. */
  helper?: string;
}

const FAMILIES: Record<string, Record<string, unknown>> = {
  core: core.factories,
  conv: conv.factories,
  pooling: pooling.factories,
  reshaping: reshaping.factories,
  merge: merge.factories,
  normalization: normalization.factories,
  activation: activation.factories,
  recurrent: recurrent.factories,
  wrappers: wrappers.factories,
  embedding: embedding.factories,
};

/** Classes whose layer takes other layers (`layer`, `backwardLayer`) rather than plain options. */
export const WRAPPERS = new Set(['TimeDistributed', 'Bidirectional']);

let table: Map<string, BuiltinLayer> | null = null;

function builtins(): Map<string, BuiltinLayer> {
  if (table) return table;
  table = new Map();
  const classes = builtinLayerClasses();
  const helpers = layers as unknown as Record<string, unknown>;
  for (const [family, factories] of Object.entries(FAMILIES)) {
    for (const [name, make] of Object.entries(factories)) {
      const positional = (make as { positional?: readonly string[] }).positional;
      const cls = classes.get(name);
      // Aliases (MaxPool2D for MaxPooling2D) make the same class; it is listed once, by its own name.
      if (!positional || !cls || (cls.className ?? cls.name) !== name) continue;
      const lower = name.charAt(0).toLowerCase() + name.slice(1);
      table.set(name, {
        className: name,
        family,
        cls: cls as BuiltinLayer['cls'],
        positional,
        ...(family === 'merge' && typeof helpers[lower] === 'function' ? { helper: lower } : {}),
      });
    }
  }
  return table;
}

export function builtinLayer(className: string): BuiltinLayer | undefined {
  return builtins().get(className);
}

export function allBuiltinLayers(): BuiltinLayer[] {
  return [...builtins().values()];
}
