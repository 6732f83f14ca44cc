import type { Functional } from '../graph/functional.js';
import type { SerializedLayer } from '../graph/serialize.js';

/** A model read from a file, with what the reader had to skip or change. */
export interface LoadedModel {
  model: Functional;
  format: ModelFileFormat;
  warnings: string[];
}

export type ModelFileFormat = 'keras' | 'h5' | 'tfjs';

export interface ReadOptions {
  /**
   * The file's model config as rebuilt where its custom layer classes were supplied (each
   * custom layer then carries the trace of its call()); used instead of the file's own.
   */
  architecture?: SerializedLayer;
}
