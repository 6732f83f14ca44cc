import type { Layer } from './layer.js';

/**
 * A layer as Keras 3 writes it into `config.json`: `{module, class_name, config,
 * registered_name, build_config}`. Custom layers carry `registered_name` `strata>Name`.
 */
export interface SerializedLayer {
  module: string | null;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
  build_config?: Record<string, unknown>;
  compile_config?: Record<string, unknown>;
}

export function serializeLayer(layer: Layer): SerializedLayer {
  const ctor = layer.constructor as { module?: string; registeredName?: string };
  const out: SerializedLayer = {
    module: ctor.registeredName ? null : (ctor.module ?? 'keras.layers'),
    class_name: layer.className,
    config: layer.getConfig(),
    registered_name: ctor.registeredName ?? null,
  };
  const build = layer.getBuildConfig();
  if (build) out.build_config = build;
  return out;
}

/** camelCase call keyword names (`initialState`) to Keras' snake_case (`initial_state`). */
export function snakeKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}
