/**
 * Model files are TypeScript. esbuild strips the types and turns `import … from 'strata'`
 * into `require('strata')` (CommonJS) inside a function the sandbox calls with its own
 * `require`; the source map takes positions in the code that ran back to the file as written.
 */
import * as esbuild from 'esbuild';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import { ModelFileError } from './errors.js';

/** The parameters the transpiled module is wrapped in (CommonJS' module wrapper). */
const WRAPPER_START = '(function (exports, require, module) {"use strict";';
const WRAPPER_END = '})';

export interface TranspiledModel {
  /** A script whose completion value is the module function `(exports, require, module) => void`. */
  code: string;
  /** Maps 1-based line and column in `code` to 1-based line and column in the original file. */
  originalPosition(line: number, column: number): { line: number; column: number } | null;
}

/** TypeScript to a CommonJS module function; a syntax error becomes a ModelFileError of kind 'syntax'. */
export async function transpileModel(source: string, fileName: string): Promise<TranspiledModel> {
  let result: esbuild.TransformResult;
  try {
    result = await esbuild.transform(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2020',
      // `import('x')` becomes `Promise.resolve().then(() => require('x'))`, so the sandbox's
      // require answers dynamic imports too.
      supported: { 'dynamic-import': false },
      sourcemap: 'external',
      sourcefile: fileName,
      sourcesContent: false,
      banner: WRAPPER_START,
      footer: WRAPPER_END,
      logLevel: 'silent',
    });
  } catch (e) {
    throw syntaxError(e, fileName);
  }
  const map = new SourceMapConsumer(JSON.parse(result.map) as RawSourceMap);
  return {
    code: result.code,
    originalPosition(line, column) {
      if (!Number.isInteger(line) || !Number.isInteger(column) || line < 1 || column < 1) return null;
      // source-map columns are 0-based; take the nearest mapped token at or before the position,
      // then the nearest after it (a position inside esbuild's own prologue maps to nothing).
      for (const bias of [SourceMapConsumer.GREATEST_LOWER_BOUND, SourceMapConsumer.LEAST_UPPER_BOUND]) {
        const p = map.originalPositionFor({ line, column: column - 1, bias });
        if (p.line !== null && p.line !== undefined && p.column !== null && p.column !== undefined) {
          return { line: p.line, column: p.column + 1 };
        }
      }
      return null;
    },
  };
}

function syntaxError(e: unknown, fileName: string): ModelFileError {
  const failure = e as Partial<esbuild.TransformFailure>;
  const first = failure.errors?.[0];
  if (!first) {
    return new ModelFileError({ message: `The model file could not be compiled: ${String((e as Error)?.message ?? e)}`, kind: 'syntax', file: fileName, line: 1, column: 1 });
  }
  const more = (failure.errors?.length ?? 1) - 1;
  return new ModelFileError({
    message: `${first.text}${more > 0 ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''}`,
    kind: 'syntax',
    file: fileName,
    line: first.location?.line ?? 1,
    // esbuild's columns are 0-based (in UTF-8 bytes of the line; editors count characters, which
    // differ only for non-ASCII text before the error).
    column: columnInCharacters(first.location?.lineText, first.location?.column ?? 0) + 1,
  });
}

function columnInCharacters(lineText: string | undefined, byteColumn: number): number {
  if (!lineText) return byteColumn;
  const bytes = Buffer.from(lineText, 'utf8');
  return bytes.subarray(0, byteColumn).toString('utf8').length;
}

/**
 * Where `export default` sits in the original source (1-based), for errors about what it
 * exports; the end of the file when there is none, which is where one would be added.
 */
export function defaultExportPosition(source: string): { line: number; column: number } {
  const lines = source.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)export\s+default\b/.exec(lines[i]!);
    if (m) return { line: i + 1, column: m[1]!.length + 1 };
  }
  let last = lines.length;
  while (last > 1 && lines[last - 1]!.trim() === '') last--;
  return { line: last, column: 1 };
}
