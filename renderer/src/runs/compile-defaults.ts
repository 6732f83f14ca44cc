/**
 * What the run form starts from: the model file's `compile()` as the evaluation reports it
 * (Keras' `compile_config` in the model config), read into plain names a form can show.
 */

export interface CompileDefaults {
  optimizer: string;
  learningRate: number;
  /** The loss of each output, by output name, as a name a person reads. */
  losses: Record<string, string>;
  lossWeights: Record<string, number>;
  metrics: string[];
}

/** Keras' own learning rates, for a compile() that names an optimizer without one. */
const DEFAULT_LEARNING_RATES: Record<string, number> = { SGD: 0.01, Adagrad: 0.001, Adadelta: 0.001 };
const FALLBACK = { optimizer: 'RMSprop', learningRate: 0.001 };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A loss or optimizer spec (`'mse'`, or `{class_name, config}`) as a name. */
function specName(spec: unknown): string | null {
  if (typeof spec === 'string') return spec;
  if (isObject(spec) && typeof spec.class_name === 'string') return spec.class_name;
  return null;
}

function perOutput<T>(value: unknown, outputs: string[], read: (v: unknown) => T | null): Record<string, T> {
  const out: Record<string, T> = {};
  if (Array.isArray(value)) {
    outputs.forEach((name, i) => {
      const v = read(value[i]);
      if (v !== null) out[name] = v;
    });
  } else if (isObject(value) && !('class_name' in value)) {
    for (const name of outputs) {
      const v = read(value[name]);
      if (v !== null) out[name] = v;
    }
  } else {
    const v = read(value);
    if (v !== null) for (const name of outputs) out[name] = v;
  }
  return out;
}

function metricNames(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(metricNames);
  if (isObject(value)) return 'class_name' in value ? [specName(value)!] : Object.values(value).flatMap(metricNames);
  return [];
}

/** The defaults from a model config (`{…, compile_config}`) and the model's output names. */
export function compileDefaults(modelConfig: Json | null, outputs: string[]): CompileDefaults {
  const compile = isObject(modelConfig?.compile_config) ? modelConfig.compile_config : null;
  const optimizerSpec = compile?.optimizer;
  const optimizer = specName(optimizerSpec) ?? FALLBACK.optimizer;
  const configuredRate = isObject(optimizerSpec) && isObject(optimizerSpec.config) ? optimizerSpec.config.learning_rate : undefined;
  const learningRate = typeof configuredRate === 'number' ? configuredRate : (DEFAULT_LEARNING_RATES[optimizer] ?? FALLBACK.learningRate);
  return {
    optimizer,
    learningRate,
    losses: perOutput(compile?.loss, outputs, specName),
    lossWeights: perOutput(compile?.loss_weights, outputs, (v) => (typeof v === 'number' ? v : null)),
    metrics: [...new Set(metricNames(compile?.metrics))],
  };
}
