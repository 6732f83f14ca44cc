/**
 * The layer palette and the inspector's forms: every built-in layer class of `layers.*` with
 * its options, their kinds, choices and defaults as the engine itself has them (found by
 * creating the layer), and a check of option values by the engine.
 */
import { ACTIVATIONS } from '../../engine/graph/activations.js';
import type { Layer } from '../../engine/graph/layer.js';
import type { LayerClass, LayerOption, OptionProblem } from '../../../shared/ipc/index.js';
import { allBuiltinLayers, builtinLayer, WRAPPERS, type BuiltinLayer } from './builtin-layers.js';
import { autoNamePrefix } from './identifiers.js';
import { camelKey, factoryArguments } from './layer-options.js';

const PROBE_NAME = '__strata_catalog__';

/** Values that make a layer whose required options are these; chosen to be valid for every class that takes them. */
const SAMPLE_VALUES: Record<string, unknown> = {
  units: 8,
  filters: 8,
  kernelSize: 3,
  inputDim: 100,
  outputDim: 8,
  n: 2,
  targetShape: [1],
  dims: [1],
  rate: 0.5,
  activation: 'relu',
  axes: -1,
};

/** Strings some options take; each option's choices are those the engine accepts. */
const CANDIDATE_STRINGS = [
  ...ACTIVATIONS,
  'valid', 'same', 'causal',
  'channels_last', 'channels_first',
  'concat', 'sum', 'mul', 'ave',
  'nearest', 'bilinear',
  'zeros', 'ones', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal',
  'random_normal', 'random_uniform', 'truncated_normal', 'orthogonal', 'identity',
];

function create(b: BuiltinLayer, options: Record<string, unknown>, name = PROBE_NAME): Layer {
  return new (b.cls as unknown as new (a: Record<string, unknown>) => Layer)({ ...options, name });
}

function accepts(b: BuiltinLayer, base: Record<string, unknown>, option: string, value: unknown): boolean {
  try {
    create(b, { ...base, [option]: value });
    return true;
  } catch {
    return false;
  }
}

let catalog: LayerClass[] | null = null;

export function layerCatalog(): LayerClass[] {
  catalog ??= allBuiltinLayers().map(describeClass);
  return catalog;
}

function describeClass(b: BuiltinLayer): LayerClass {
  const own = b.cls.options ?? [];
  if (WRAPPERS.has(b.className)) {
    return {
      className: b.className,
      family: b.family,
      positional: [...b.positional],
      options: own.map((name): LayerOption => (name === 'layer' ? { name, kind: 'json', required: true, description: 'the layer it wraps (add it in code)' } : { name, kind: 'json', required: false })),
    };
  }
  const required = new Set(own.filter((o) => o in SAMPLE_VALUES && !accepts(b, requiredSamples(b, o), o, undefined)));
  const base = Object.fromEntries([...required].map((o) => [o, SAMPLE_VALUES[o]]));
  const layer = create(b, base);
  const args = factoryArguments({ module: 'keras.layers', class_name: b.className, config: layer.getConfig(), registered_name: null });
  const written = new Map<string, unknown>(args.options);
  const config = new Map(Object.entries(layer.getConfig()).map(([k, v]) => [camelKey(k), v]));
  return {
    className: b.className,
    family: b.family,
    positional: [...b.positional],
    options: own.map((name) => {
      if (required.has(name)) return { name, ...kindOf(b, base, name, SAMPLE_VALUES[name]), required: true };
      const value = written.has(name) ? written.get(name) : codeDefault(config.get(name));
      return { name, ...kindOf(b, base, name, value), default: value, required: false };
    }),
  };
}

/** The samples for every required option but `option`. */
function requiredSamples(b: BuiltinLayer, option: string): Record<string, unknown> {
  return Object.fromEntries((b.cls.options ?? []).filter((o) => o !== option && o in SAMPLE_VALUES).map((o) => [o, SAMPLE_VALUES[o]]));
}

/** A default as model code writes it (initializers and dtypes by name). */
function codeDefault(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { module?: unknown; class_name?: unknown; config?: { name?: unknown } };
    if (v.class_name === 'DTypePolicy') return v.config?.name;
    if (v.module === 'keras.initializers') return String(v.class_name).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  }
  return value;
}

function kindOf(b: BuiltinLayer, base: Record<string, unknown>, name: string, value: unknown): Pick<LayerOption, 'kind' | 'choices'> {
  if (typeof value === 'boolean') return { kind: 'boolean' };
  if (typeof value === 'number') return { kind: accepts(b, base, name, value + 0.5) ? 'number' : 'integer' };
  if (Array.isArray(value)) return { kind: 'shape' };
  if (typeof value === 'string') {
    const choices = CANDIDATE_STRINGS.filter((c) => accepts(b, base, name, c));
    const free = accepts(b, base, name, 'not-a-known-value');
    return free || choices.length === 0 ? { kind: 'string' } : { kind: 'choice', choices };
  }
  // Options without a value by default (seed, maxValue): numbers where the engine takes one, else free JSON.
  if (value === null && accepts(b, base, name, 1) && !accepts(b, base, name, 'not-a-known-value')) {
    return { kind: accepts(b, base, name, 1.5) ? 'number' : 'integer' };
  }
  return { kind: 'json' };
}

/** What the engine says of these options for a class: one problem per error, naming the option it is about. */
export function checkLayerOptions(className: string, options: Record<string, unknown>): OptionProblem[] {
  const b = builtinLayer(className);
  if (!b) return [{ message: `Unknown layer class "${className}"; expected one of ${allBuiltinLayers().map((l) => l.className).join(', ')}.` }];
  try {
    create(b, options, typeof options.name === 'string' ? options.name : autoNamePrefix(className));
    return [];
  } catch (e) {
    const message = (e as Error).message;
    const named = Object.keys(options).find((o) => new RegExp(`[\`"']${o}[\`"'=]|\\b${o}=`).test(message));
    return [{ ...(named ? { option: named } : {}), message }];
  }
}
