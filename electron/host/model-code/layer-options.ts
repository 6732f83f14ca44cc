/**
 * A built-in layer's config (Keras' snake_case `config`) as the arguments model code passes to
 * its factory: the positional ones (`Dense(64)`), then only the options that differ from the
 * class's defaults, in the form a person writes them (`'he_normal'`, `dtype: 'int32'`,
 * `inputShape: [64]`, `kernelSize: 3`). The arguments are checked by creating the layer from
 * them and comparing its config with the one given.
 */
import { deserializeLayer } from '../../engine/graph/deserialize.js';
import type { Layer } from '../../engine/graph/layer.js';
import { toInitializer } from '../../engine/graph/initializers.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';
import { builtinLayer, type BuiltinLayer } from './builtin-layers.js';
import { Code, sameValue } from './source-text.js';

/** A name no automatic name can take, for layers made only to read a class's defaults. */
const PROBE_NAME = '__strata_defaults__';

export interface FactoryArguments {
  positional: unknown[];
  /** Options by camelCase name, in the order of the config; `name` is the caller's. */
  options: Array<[string, unknown]>;
}

/** Writes a nested layer (a wrapper's `layer`) as code. */
export type LayerArgumentWriter = (entry: SerializedLayer) => Code;

export const camelKey = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function construct(b: BuiltinLayer, args: Record<string, unknown>): Layer | null {
  try {
    return new (b.cls as unknown as new (a: Record<string, unknown>) => Layer)({ ...args });
  } catch {
    return null;
  }
}

/** The class's config when created with `args` only, by camelCase key; null when it cannot be created so. */
function defaultsWith(b: BuiltinLayer, args: Record<string, unknown>): Map<string, unknown> | null {
  const layer = construct(b, { ...args, name: PROBE_NAME });
  if (!layer) return null;
  return new Map(Object.entries(layer.getConfig()).map(([k, v]) => [camelKey(k), v]));
}

/** `GlorotUniform` with Keras' defaults as `'glorot_uniform'`; other settings as `{ className, config }` with what differs. */
function initializerCode(value: { class_name: string; config: Record<string, unknown> }): unknown {
  const snake = value.class_name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  let defaults: Record<string, unknown>;
  try {
    defaults = toInitializer(snake, 'a default').config;
  } catch {
    return value;
  }
  const changed = Object.entries(value.config).filter(([k, v]) => !sameValue(v, defaults[k]));
  return changed.length === 0 ? snake : { className: value.class_name, config: Object.fromEntries(changed) };
}

function isInitializer(value: unknown): value is { class_name: string; config: Record<string, unknown> } {
  return !!value && typeof value === 'object' && (value as { module?: unknown }).module === 'keras.initializers';
}

function isDtypePolicy(value: unknown): value is { config: { name: string } } {
  return !!value && typeof value === 'object' && (value as { class_name?: unknown }).class_name === 'DTypePolicy';
}

/** A value as model code writes it. */
function codeValue(value: unknown, collapse: boolean): unknown {
  if (isDtypePolicy(value)) return value.config.name;
  if (isInitializer(value)) return initializerCode(value);
  if (collapse && Array.isArray(value) && value.length > 1 && value.every((v) => typeof v === 'number' && v === value[0])) return value[0];
  return value;
}

/** `batchInputShape: [null, 64]` is `inputShape: [64]` in model code. */
function codeEntry(key: string, value: unknown, collapse: boolean): [string, unknown] {
  if (key === 'batchInputShape' && Array.isArray(value) && value[0] === null) return ['inputShape', value.slice(1)];
  return [key, codeValue(value, collapse)];
}

function withoutPrefix(name: unknown, prefix: string): unknown {
  return typeof name === 'string' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/**
 * The factory arguments that recreate `entry` (name aside). Wrappers write their inner layers
 * through `writeLayer`. Throws for a class that is not built in.
 */
export function factoryArguments(entry: SerializedLayer, writeLayer?: LayerArgumentWriter): FactoryArguments {
  const b = builtinLayer(entry.class_name);
  if (!b || entry.registered_name?.startsWith('strata>')) {
    throw new Error(`"${String(entry.config?.name)}" is a ${entry.class_name} layer, which is not a built-in layer class; its code cannot be generated.`);
  }
  const config = Object.fromEntries(Object.entries(entry.config).filter(([k]) => k !== 'name').map(([k, v]) => [camelKey(k), v]));
  if (b.className === 'TimeDistributed' || b.className === 'Bidirectional') return wrapperArguments(b, entry, config, writeLayer);

  const bare = defaultsWith(b, {});
  const needed = b.positional.map((p) => bare === null || !sameValue(config[p], bare.get(p)));
  const count = needed.lastIndexOf(true) + 1;
  const positionalKeys = b.positional.slice(0, count);
  const given = Object.fromEntries(positionalKeys.map((p) => [p, config[p]]));
  const defaults = defaultsWith(b, given);
  const own = b.cls.options ?? [];
  // The class's own options in config order, then the base ones (trainable, dtype, inputShape).
  const optionKeys = Object.keys(config)
    .filter((k) => !positionalKeys.includes(k) && (defaults === null || !sameValue(config[k], defaults.get(k))))
    .sort((x, y) => Number(!own.includes(x)) - Number(!own.includes(y)));

  const attempt = (collapse: boolean): FactoryArguments => ({
    positional: positionalKeys.map((k) => codeValue(config[k], collapse)),
    options: optionKeys.map((k) => codeEntry(k, config[k], collapse)),
  });
  for (const candidate of [attempt(true), attempt(false)]) {
    if (recreates(b, candidate, entry.config)) return candidate;
  }
  // Every option as the config has it: what the class's own fromConfig does.
  return { positional: [], options: Object.entries(config) };
}

/** Whether the factory, given these arguments, makes a layer with this config. */
function recreates(b: BuiltinLayer, args: FactoryArguments, config: Record<string, unknown>): boolean {
  const options: Record<string, unknown> = Object.fromEntries(args.options);
  b.positional.forEach((p, i) => {
    if (i < args.positional.length) options[p] = args.positional[i];
  });
  const layer = construct(b, { ...options, name: config.name });
  return layer !== null && sameValue(layer.getConfig(), config);
}

function wrapperArguments(b: BuiltinLayer, entry: SerializedLayer, config: Record<string, unknown>, writeLayer?: LayerArgumentWriter): FactoryArguments {
  if (!writeLayer) throw new Error(`A ${b.className} layer needs its inner layer written as code.`);
  const inner = config.layer as SerializedLayer;
  // Bidirectional keeps a copy of the layer it was given, named forward_<name>.
  const given =
    b.className === 'Bidirectional' ? { ...inner, config: { ...inner.config, name: withoutPrefix(inner.config.name, 'forward_') } } : inner;
  const innerCode = writeLayer(given);
  const defaults = defaultsWith(b, { layer: deserializeLayer(given) });
  const optionKeys = Object.keys(config).filter((k) => k !== 'layer' && (defaults === null || !sameValue(config[k], defaults.get(k))));
  return {
    positional: [innerCode],
    options: optionKeys.map((k) => (k === 'backwardLayer' ? [k, writeLayer(config[k] as SerializedLayer)] : codeEntry(k, config[k], false))),
  };
}

/**
 * A layer's options as the inspector shows them: every option of its class (camelCase, as
 * model code writes them), with the layer's values.
 */
export function inspectorOptions(entry: SerializedLayer): Record<string, unknown> {
  const b = builtinLayer(entry.class_name);
  if (!b) return {};
  const allowed = new Set([...(b.cls.options ?? []), 'trainable']);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry.config)) {
    const key = camelKey(k);
    if (!allowed.has(key)) continue;
    const value = v && typeof v === 'object' && 'class_name' in (v as object) && !isInitializer(v) ? (v as { class_name: string }).class_name : v;
    out[key] = codeValue(value, false);
  }
  return out;
}
