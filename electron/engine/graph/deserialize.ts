import { CompileConfig } from './compile-config.js';
import { ValueError } from './errors.js';
import { Functional } from './functional.js';
import { InputLayer } from './input-layer.js';
import type { Layer } from './layer.js';
import { lookupLayerClass } from './registry.js';
import { Sequential } from './sequential.js';
import type { SerializedLayer } from './serialize.js';
import { SymbolicTensor } from './symbolic-tensor.js';
import type { Shape } from './shape.js';
import { camelizeKeys } from './naming.js';
import { TracedLayer } from '../layers/traced.js';

type History = [string, number, number];
interface NodeConfig {
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface LayerEntry extends SerializedLayer {
  name?: string;
  inbound_nodes?: NodeConfig[];
}

/** Rebuilds a layer or model from `{class_name, config, registered_name, …}`. */
export function deserializeLayer(entry: SerializedLayer, where = 'config'): Layer {
  if (!entry || typeof entry !== 'object' || typeof entry.class_name !== 'string') {
    throw new ValueError(`Expected a layer object with a "class_name" at ${where}; received ${JSON.stringify(entry)?.slice(0, 200)}.`);
  }
  const config = entry.config ?? {};
  if (entry.class_name === 'Functional' || entry.class_name === 'Model') return functionalFromConfig(config, where);
  if (entry.class_name === 'Sequential') return sequentialFromConfig(config, where);
  const cls = lookupLayerClass(entry.class_name, entry.registered_name);
  // A custom layer whose class this process does not have (its model file ran elsewhere): rebuild it from its trace.
  if (cls?.registeredName !== entry.registered_name && TracedLayer.isTracedEntry(entry)) return TracedLayer.fromEntry(entry, where);
  if (!cls) {
    const name = entry.registered_name ?? entry.class_name;
    throw new ValueError(
      `Unknown layer class "${name}" at ${where} (layer "${String(config.name)}"). A custom layer's class must be supplied: write it in TypeScript with call() in ops and register it with \`registerLayer('${name}', ${entry.class_name})\` — in the model file itself or, for a saved model, in a file given with --custom-layers (docs/custom-layers.md).`,
    );
  }
  const layer = cls.fromConfig(config);
  // Keras' build_from_config: a layer saved built comes back built (wrappers' inner layers need it).
  const built = entry.build_config?.input_shape as Shape | Shape[] | null | undefined;
  if (built) layer.maybeBuild(built);
  return layer;
}

function isHistory(v: unknown): v is History {
  return Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number';
}

/** The node a config's reference names: a nested Functional's calls are counted from 1 (see Functional.firstCallNode). */
function nodeOf(layer: Layer | undefined, index: number) {
  return layer?.inboundNodes[index - (layer instanceof Functional ? layer.firstCallNode : 0)];
}

export function functionalFromConfig(config: Record<string, unknown>, where = 'config'): Functional {
  const entries = config.layers as LayerEntry[] | undefined;
  if (!Array.isArray(entries)) throw new ValueError(`Functional config at ${where} has no "layers" list.`);
  const created = new Map<string, Layer>();
  const pending = new Map<Layer, NodeConfig[]>();
  entries.forEach((entry, i) => {
    const layer = deserializeLayer(entry, `${where}.layers[${i}]`);
    created.set(entry.name ?? layer.name, layer);
    if (!(layer instanceof InputLayer)) pending.set(layer, [...(entry.inbound_nodes ?? [])]);
  });

  const resolve = (value: unknown): unknown => {
    if (value && typeof value === 'object' && (value as { class_name?: string }).class_name === '__keras_tensor__') {
      const [name, nodeIndex, tensorIndex] = (value as { config: { keras_history: History } }).config.keras_history;
      const tensor = nodeOf(created.get(name), nodeIndex)?.outputs[tensorIndex];
      if (!tensor) throw new NotYet();
      return tensor;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };

  // Nodes may refer to layers defined later (shared layers); process until nothing moves.
  let progress = true;
  while (pending.size > 0 && progress) {
    progress = false;
    for (const [layer, nodes] of pending) {
      while (nodes.length > 0) {
        let args: unknown[];
        let kwargs: Record<string, unknown>;
        try {
          args = resolve(nodes[0]!.args) as unknown[];
          kwargs = camelizeKeys(resolve(nodes[0]!.kwargs ?? {}) as Record<string, unknown>);
        } catch (e) {
          if (e instanceof NotYet) break;
          throw e;
        }
        layer.apply(args[0] as SymbolicTensor, kwargs);
        nodes.shift();
        progress = true;
      }
      if (nodes.length === 0) pending.delete(layer);
    }
  }
  if (pending.size > 0) {
    const stuck = [...pending.keys()].map((l) => l.name);
    throw new ValueError(`Functional config at ${where} refers to tensors that no layer produces; stuck at layers ${JSON.stringify(stuck)}.`);
  }

  const ref = (h: unknown): SymbolicTensor => {
    if (!isHistory(h)) throw new ValueError(`Bad tensor reference ${JSON.stringify(h)} in ${where}.`);
    const t = nodeOf(created.get(h[0]), h[1])?.outputs[h[2]];
    if (!t) throw new ValueError(`Functional config at ${where} refers to tensor ${JSON.stringify(h)}, which does not exist.`);
    return t;
  };
  const structure = (v: unknown) =>
    isHistory(v)
      ? ref(v)
      : Array.isArray(v)
        ? v.map(ref)
        : Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, h]) => [k, ref(h)]));
  return new Functional({
    name: config.name as string | undefined,
    trainable: config.trainable as boolean | undefined,
    inputs: structure(config.input_layers),
    outputs: structure(config.output_layers),
  } as ConstructorParameters<typeof Functional>[0]);
}

export function sequentialFromConfig(config: Record<string, unknown>, where = 'config'): Sequential {
  const entries = config.layers as SerializedLayer[] | undefined;
  if (!Array.isArray(entries)) throw new ValueError(`Sequential config at ${where} has no "layers" list.`);
  const layers = entries.map((e, i) => deserializeLayer(e, `${where}.layers[${i}]`));
  return new Sequential(layers, { name: config.name as string | undefined, trainable: config.trainable as boolean | undefined });
}

class NotYet extends Error {}

/** Serialised model as a JSON string (Keras 3's `config.json` content). */
export function modelToJSON(model: Functional): string {
  return JSON.stringify(modelToConfig(model));
}

export function modelToConfig(model: Functional): SerializedLayer {
  const out: SerializedLayer = {
    module: 'keras',
    class_name: model.className,
    config: model.getConfig(),
    registered_name: model.className,
  };
  const build = model.getBuildConfig();
  if (build) out.build_config = build;
  if (model.compileConfig) out.compile_config = model.compileConfig.toJSON();
  return out;
}

export function modelFromJSON(json: string | SerializedLayer): Functional {
  let parsed: SerializedLayer;
  try {
    parsed = typeof json === 'string' ? JSON.parse(json) : json;
  } catch (e) {
    throw new ValueError(`Model JSON does not parse: ${(e as Error).message}`);
  }
  const model = deserializeLayer(parsed, 'model');
  if (!(model instanceof Functional)) {
    throw new ValueError(`Expected a model (Functional or Sequential) at the top of the JSON; received a ${model.className} layer.`);
  }
  const compile = parsed.compile_config as Record<string, unknown> | undefined;
  if (compile) model.compile(CompileConfig.argsFromJSON(compile));
  return model;
}
