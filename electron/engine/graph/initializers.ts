import { ValueError } from './errors.js';

/**
 * Initializers as Keras serialises them. Values are drawn when weights are allocated
 * (training); the graph only needs to know which initializer each weight asked for.
 */
export interface InitializerConfig {
  module: 'keras.initializers';
  class_name: string;
  config: Record<string, unknown>;
  registered_name: null;
}

const CLASS_NAMES: Record<string, string> = {
  zeros: 'Zeros',
  ones: 'Ones',
  constant: 'Constant',
  random_normal: 'RandomNormal',
  normal: 'RandomNormal',
  uniform: 'RandomUniform',
  random_uniform: 'RandomUniform',
  truncated_normal: 'TruncatedNormal',
  glorot_uniform: 'GlorotUniform',
  glorot_normal: 'GlorotNormal',
  he_uniform: 'HeUniform',
  he_normal: 'HeNormal',
  lecun_uniform: 'LecunUniform',
  lecun_normal: 'LecunNormal',
  orthogonal: 'Orthogonal',
  identity: 'Identity',
  variance_scaling: 'VarianceScaling',
};

/** Keras' defaults for each initializer's config, so a round trip writes the same keys Keras does. */
const DEFAULT_CONFIGS: Record<string, Record<string, unknown>> = {
  Zeros: {},
  Ones: {},
  Constant: { value: 0 },
  RandomNormal: { seed: null, mean: 0, stddev: 0.05 },
  RandomUniform: { seed: null, minval: -0.05, maxval: 0.05 },
  TruncatedNormal: { seed: null, mean: 0, stddev: 0.05 },
  GlorotUniform: { seed: null },
  GlorotNormal: { seed: null },
  HeUniform: { seed: null },
  HeNormal: { seed: null },
  LecunUniform: { seed: null },
  LecunNormal: { seed: null },
  Orthogonal: { seed: null, gain: 1 },
  Identity: { gain: 1 },
  VarianceScaling: { seed: null, scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
};

export type InitializerArg = string | InitializerConfig | { className: string; config?: Record<string, unknown> };

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Accepts `'glorot_uniform'`, `'glorotUniform'`, `'GlorotUniform'`, a Keras config object
 * or `{ className, config }`, and returns the Keras config object.
 */
export function toInitializer(value: InitializerArg, where: string): InitializerConfig {
  let className: string | undefined;
  let config: Record<string, unknown> = {};
  if (typeof value === 'string') {
    className = CLASS_NAMES[snake(value)] ?? (DEFAULT_CONFIGS[value] ? value : undefined);
  } else if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const name = (v.class_name ?? v.className) as string | undefined;
    className = name && (DEFAULT_CONFIGS[name] ? name : CLASS_NAMES[snake(name)]);
    config = (v.config as Record<string, unknown> | undefined) ?? {};
  }
  if (!className) {
    throw new ValueError(
      `Unknown initializer for ${where}: expected one of ${Object.keys(CLASS_NAMES).join(', ')}; received ${JSON.stringify(value)}.`,
    );
  }
  return {
    module: 'keras.initializers',
    class_name: className,
    config: { ...DEFAULT_CONFIGS[className], ...config },
    registered_name: null,
  };
}
