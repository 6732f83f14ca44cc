import type { Functional } from '../../engine/graph/functional.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';

/** Where in a model file something went wrong (1-based line and column, as editors show). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** What evaluating a model file gives back to the host. */
export interface EvaluatedModel {
  /** The model rebuilt in the host from the JSON the sandbox produced. */
  model: Functional;
  /** Keras 3 model config (`{module, class_name, config, …, compile_config}`), as the sandbox produced it. */
  config: SerializedLayer;
  /** What the model file printed (console.log, model.summary()). */
  logs: string[];
  /** Milliseconds the evaluation took. */
  millis: number;
}

export interface EvaluateOptions {
  /** File name shown in errors; defaults to the path given. */
  fileName?: string;
  /** Wall-clock limit for the model code, in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Memory limit for the sandbox heap, in bytes (default 256 MiB). */
  memoryBytes?: number;
}
