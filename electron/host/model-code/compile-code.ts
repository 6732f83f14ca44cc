/**
 * `model.compile({ … })` from Keras' `compile_config`: optimizers and losses through the
 * model API's factories (`optimizers.RMSprop(1e-3)`, `losses.CategoricalCrossentropy({ fromLogits: true })`)
 * with only what differs from their defaults, or by name where nothing does (`'adam'`).
 */
import { LOSS_DEFAULTS, OPTIMIZER_DEFAULTS } from '../../engine/graph/compile-config.js';
import { camelKey } from './layer-options.js';
import { Code, literal, objectLiteralWrapped, sameValue } from './source-text.js';

interface ClassSpec {
  class_name: string;
  config: Record<string, unknown>;
}

/** The compile options read keys back by this rule (graph/compile-config.ts). */
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
/** camelCase where it reads back as the same key (`from_logits` → `fromLogits`; `beta_1` stays). */
const optionKey = (key: string) => (snake(camelKey(key)) === key ? camelKey(key) : key);

function changed(config: Record<string, unknown>, defaults: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(config)
    .filter(([k, v]) => !sameValue(v, defaults[k]))
    .map(([k, v]) => [optionKey(k), isSpec(v) ? { className: v.class_name, config: v.config } : v]);
}

function isSpec(value: unknown): value is ClassSpec {
  return !!value && typeof value === 'object' && typeof (value as ClassSpec).class_name === 'string';
}

function optimizerCode(spec: ClassSpec, use: (name: string) => void): Code {
  const defaults = (OPTIMIZER_DEFAULTS as Record<string, Record<string, unknown>>)[spec.class_name] ?? {};
  const diff = changed(spec.config, defaults);
  if (diff.length === 0) return new Code(literal(spec.class_name.toLowerCase()));
  use('optimizers');
  if (diff.length === 1 && diff[0]![0] === 'learningRate' && typeof diff[0]![1] === 'number') {
    return new Code(`optimizers.${spec.class_name}(${literal(diff[0]![1])})`);
  }
  return new Code(`optimizers.${spec.class_name}(${literal(Object.fromEntries(diff))})`);
}

function lossCode(value: unknown, use: (name: string) => void): unknown {
  if (Array.isArray(value)) return value.map((v) => lossCode(v, use));
  if (isSpec(value)) {
    const defaults = (LOSS_DEFAULTS as Record<string, { config: Record<string, unknown> }>)[value.class_name]?.config ?? {};
    const diff = changed(value.config, defaults);
    use('losses');
    return new Code(`losses.${value.class_name}(${diff.length > 0 ? literal(Object.fromEntries(diff)) : ''})`);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lossCode(v, use)]));
  }
  return value;
}

export function compileStatement(model: string, config: Record<string, unknown>, use: (name: string) => void): string {
  const entries: Array<[string, unknown]> = [];
  if (isSpec(config.optimizer)) entries.push(['optimizer', optimizerCode(config.optimizer, use)]);
  if (config.loss !== null && config.loss !== undefined) entries.push(['loss', lossCode(config.loss, use)]);
  if (config.loss_weights !== null && config.loss_weights !== undefined) entries.push(['lossWeights', config.loss_weights]);
  if (config.metrics !== null && config.metrics !== undefined) entries.push(['metrics', config.metrics]);
  return `${model}.compile(${objectLiteralWrapped(entries, '')});`;
}
