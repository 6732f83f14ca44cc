/**
 * What the command line does with errors: one paragraph a person can act on, naming the file,
 * line, column and layer when there are some; the stack trace only with `--verbose`.
 *
 * Exit codes: 0 success, 1 the work failed (a bad model file, a file that cannot be written),
 * 2 the command line itself is wrong (unknown command or option, missing argument).
 */
import { ModelFileError } from '../host/model-evaluation/index.js';
import { StrataError } from '../engine/graph/errors.js';
import { DeviceUnavailableError } from '../engine/tensor/device.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: the message says what, and which help to read. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help fits, if one was recognised. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure whose message is complete as it is (it already names the file); exit code 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** `file:line:column: layer "name": message`, leaving out what is unknown. */
export function formatLocated(
  message: string,
  where: { file?: string; line?: number; column?: number; layerName?: string },
): string {
  let prefix = where.file ?? '';
  if (prefix && where.line !== undefined && where.line > 0) {
    prefix += `:${where.line}`;
    if (where.column !== undefined && where.column > 0) prefix += `:${where.column}`;
  }
  const parts = [prefix, where.layerName !== undefined ? `layer "${where.layerName}"` : ''].filter(Boolean);
  // The evaluator may already have put the location in front of its message; say it once.
  let text = message;
  for (const p of parts) if (text.startsWith(`${p}: `)) text = text.slice(p.length + 2);
  return [...parts, oneParagraph(text)].join(': ');
}

/** Joins lines into one paragraph (a shape message never needs its line breaks). */
function oneParagraph(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/** What a person sees for an error, without stack. */
export function describeError(
  error: unknown,
  context: { file?: string } = {},
): { message: string; code: number; internal?: boolean } {
  if (error instanceof UsageError) {
    const help = error.command ? `strata help ${error.command}` : 'strata --help';
    return { message: `strata: ${error.message}\nRun "${help}" for usage.`, code: EXIT_USAGE };
  }
  if (error instanceof ModelFileError) {
    return {
      message: formatLocated(error.message, {
        file: error.file || context.file,
        line: error.line,
        column: error.column,
        layerName: error.layerName,
      }),
      code: EXIT_FAILURE,
    };
  }
  if (error instanceof CliError) return { message: error.message, code: EXIT_FAILURE };
  if (error instanceof DeviceUnavailableError) return { message: `strata: ${error.message}`, code: EXIT_FAILURE };
  if (error instanceof StrataError) {
    // An engine error after evaluation (summary or layout of the rebuilt model).
    return { message: formatLocated(error.message, { file: context.file, layerName: error.layerName }), code: EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `strata: internal error: ${oneParagraph(message)}${context.file ? ` (while reading ${context.file})` : ''}`,
    code: EXIT_FAILURE,
    internal: true,
  };
}

/** The stack of an error and of its causes, for `--verbose`. */
export function errorStack(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(`${depth > 0 ? 'Caused by: ' : ''}${current.stack ?? `${current.name}: ${current.message}`}`);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(`${depth > 0 ? 'Caused by: ' : ''}${String(current)}`);
      break;
    }
  }
  return parts.join('\n');
}
