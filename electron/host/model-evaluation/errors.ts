import type { SourceLocation } from './types.js';

/** What went wrong with a model file, so that the studio can say it in the right words. */
export type ModelFileErrorKind =
  /** The TypeScript does not parse. */
  | 'syntax'
  /** The code ran and threw: a shape error from a layer, a ReferenceError, a refused import, … */
  | 'evaluation'
  /** The code ran past the time limit. */
  | 'timeout'
  /** The code ran past the memory limit (or nested calls too deeply for the sandbox's stack). */
  | 'memory'
  /** The code ran, but its default export is not a model. */
  | 'export';

/**
 * An error in a model file, located in the file as the person wrote it (1-based line and
 * column in the original TypeScript, not in the code that ran).
 */
export class ModelFileError extends Error implements SourceLocation {
  readonly kind: ModelFileErrorKind;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The layer the error is about, when the engine named one (the studio marks its node). */
  declare readonly layerName?: string;
  /** What the model file printed before it failed (console.log and friends). */
  readonly logs: string[];

  constructor(init: {
    message: string;
    kind: ModelFileErrorKind;
    file: string;
    line: number;
    column: number;
    layerName?: string;
    logs?: string[];
  }) {
    super(init.message);
    this.name = 'ModelFileError';
    this.kind = init.kind;
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    if (init.layerName !== undefined) this.layerName = init.layerName;
    this.logs = init.logs ?? [];
  }

  /** `file:line:column`, as editors and compilers print a position. */
  get where(): string {
    return `${this.file}:${this.line}:${this.column}`;
  }

  /** `file:line:column - message`, the one line a terminal shows. */
  override toString(): string {
    return `${this.where} - ${this.message}`;
  }
}
