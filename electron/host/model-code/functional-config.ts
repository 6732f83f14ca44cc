/**
 * A Functional model config as data the graph edits change: its layer entries, the tensor
 * references in their calls (`keras_history` `[layer, call, output]`), its inputs and outputs.
 */
import { modelToConfig } from '../../engine/graph/deserialize.js';
import { Functional } from '../../engine/graph/functional.js';
import { Sequential } from '../../engine/graph/sequential.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';

export type History = [string, number, number];

export interface TensorRef {
  class_name: '__keras_tensor__';
  config: { shape?: unknown; dtype?: unknown; keras_history: History };
}

export interface CallConfig {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

export interface LayerEntry extends SerializedLayer {
  name: string;
  inbound_nodes?: CallConfig[];
}

export interface FunctionalConfig extends SerializedLayer {
  config: {
    name: string;
    trainable?: boolean;
    layers: LayerEntry[];
    input_layers: unknown;
    output_layers: unknown;
  };
}

export function isTensorRef(value: unknown): value is TensorRef {
  return !!value && typeof value === 'object' && (value as TensorRef).class_name === '__keras_tensor__';
}

export function tensorRef(history: History): TensorRef {
  return { class_name: '__keras_tensor__', config: { keras_history: history } };
}

/** The reference to the output of a layer's first call (a nested Functional numbers its calls from 1). */
export function firstOutput(entry: LayerEntry): History {
  return [entry.name, entry.class_name === 'Functional' ? 1 : 0, 0];
}

/** Replaces every tensor reference (as a whole) in a value. */
export function mapRefs(value: unknown, f: (ref: History) => History): unknown {
  if (isTensorRef(value)) return tensorRef(f(value.config.keras_history));
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapRefs(v, f)]));
  return value;
}

/** Replaces every history (`[name, call, output]`) in a model's `input_layers` / `output_layers`. */
export function mapHistories(structure: unknown, f: (h: History) => History | null): unknown {
  if (isHistory(structure)) return f(structure);
  if (Array.isArray(structure)) return structure.map((h) => mapHistories(h, f)).filter((h) => h !== null);
  if (structure && typeof structure === 'object') {
    return Object.fromEntries(
      Object.entries(structure as Record<string, unknown>)
        .map(([k, h]) => [k, mapHistories(h, f)] as const)
        .filter(([, h]) => h !== null),
    );
  }
  return structure;
}

export function isHistory(value: unknown): value is History {
  return Array.isArray(value) && value.length === 3 && typeof value[0] === 'string' && typeof value[1] === 'number';
}

/** Every history in a structure, in order. */
export function histories(structure: unknown): History[] {
  if (isHistory(structure)) return [structure];
  if (Array.isArray(structure)) return structure.flatMap(histories);
  if (structure && typeof structure === 'object') return Object.values(structure).flatMap(histories);
  return [];
}

/** Every tensor reference in a value. */
export function refsIn(value: unknown): History[] {
  if (isTensorRef(value)) return [value.config.keras_history];
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(refsIn);
  return [];
}

/** A model's config with Functional's layout: a Sequential model becomes the Functional model it stands for. */
export function asFunctionalConfig(model: Functional, config: SerializedLayer): FunctionalConfig {
  if (!(model instanceof Sequential)) return structuredClone(config) as FunctionalConfig;
  const functional = new Functional({ inputs: model.inputs[0]!, outputs: model.outputs[0]!, name: model.name, trainable: model.trainable });
  const out = modelToConfig(functional) as FunctionalConfig;
  if (config.compile_config) out.compile_config = structuredClone(config.compile_config);
  return structuredClone(out);
}

/**
 * Layers are built again from their calls after an edit: the input shape each was built for
 * may no longer be what flows into it (wrapped layers too; nested models keep theirs).
 */
export function forgetBuildShapes(config: FunctionalConfig): void {
  const strip = (entry: SerializedLayer | undefined): void => {
    if (!entry || typeof entry !== 'object' || entry.class_name === 'Functional' || entry.class_name === 'Sequential') return;
    delete entry.build_config;
    strip(entry.config?.layer as SerializedLayer | undefined);
    strip(entry.config?.backward_layer as SerializedLayer | undefined);
  };
  config.config.layers.forEach(strip);
}
