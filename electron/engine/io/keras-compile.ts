/**
 * A `compile_config` (or Keras 2 `training_config`) from a file, reduced to the options
 * Strata's compile() takes. Keras writes every optimizer option, most at values that change
 * nothing; those are dropped. An option set to something Strata does not do is an error
 * (the caller turns it into a warning and loads the model uncompiled).
 */
import { ValueError } from '../graph/errors.js';
import { toSnakeCase } from '../graph/naming.js';

type Json = Record<string, unknown>;

/** Optimizer options that are harmless at these values. */
const INERT: Record<string, (v: unknown) => boolean> = {
  name: () => true,
  use_ema: (v) => v === false || v === null,
  ema_momentum: () => true,
  ema_overwrite_frequency: (v) => v === null,
  jit_compile: () => true,
  is_legacy_optimizer: () => true,
  loss_scale_factor: (v) => v === null || v === 1,
  gradient_accumulation_steps: (v) => v === null || v === 1,
  decay: (v) => v === 0 || v === null,
  weight_decay: (v) => v === null,
  clipnorm: (v) => v === null,
  clipvalue: (v) => v === null,
  global_clipnorm: (v) => v === null,
};

/** Options Strata honours when they are set. */
const HONOURED = new Set(['weight_decay', 'clipnorm', 'clipvalue', 'global_clipnorm']);

/** Keras 2 optimizer option names. */
const RENAMED: Record<string, string> = { lr: 'learning_rate' };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optimizer(spec: unknown): unknown {
  if (typeof spec === 'string' || !isObject(spec)) return spec;
  const className = String(spec.class_name).replace(/^Custom>/, '');
  const config: Json = {};
  for (const [key, value] of Object.entries(isObject(spec.config) ? spec.config : {})) {
    const name = RENAMED[key] ?? key;
    if (INERT[name]?.(value)) continue;
    if (name in INERT && !HONOURED.has(name)) throw new ValueError(`optimizer option ${name}=${JSON.stringify(value)} is not supported`);
    config[name] = value;
  }
  return { class_name: className, config };
}

function loss(spec: unknown): unknown {
  if (Array.isArray(spec)) return spec.map(loss);
  if (!isObject(spec)) return spec;
  if ('class_name' in spec) {
    const config = { ...(isObject(spec.config) ? spec.config : {}) };
    delete config.fn; // Keras 3 LossFunctionWrapper's function name; the class already says it
    return { class_name: spec.class_name, config };
  }
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, loss(v)]));
}

/** A metric as a name: `'accuracy'`, or a metric object's class (`BinaryAccuracy` → `binary_accuracy`). */
function metric(spec: unknown): unknown {
  if (Array.isArray(spec)) return spec.map(metric);
  if (typeof spec === 'string' || spec === null) return spec;
  if (isObject(spec) && 'class_name' in spec) {
    const className = String(spec.class_name);
    if (className === 'MeanMetricWrapper' && isObject(spec.config)) return String(spec.config.name);
    return toSnakeCase(className);
  }
  if (isObject(spec)) return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, metric(v)]));
  return spec;
}

export function normalizeCompileConfig(c: Json): Json {
  const metrics = c.metrics === undefined || c.metrics === null ? null : metric(c.metrics);
  return {
    optimizer: optimizer(c.optimizer ?? c.optimizer_config),
    loss: loss(c.loss),
    loss_weights: c.loss_weights ?? null,
    metrics: typeof metrics === 'string' ? [metrics] : metrics,
  };
}
