/**
 * Where an evaluation problem is drawn in the editor, and how the editor's text is brought
 * to new code without moving the person's cursor more than it must.
 */
import type { Diagnostic } from '../../../shared/ipc/index.js';

export interface TextRange {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

const WORD = /[A-Za-z0-9_$]/;

/**
 * The range a problem covers: its own end when the engine gave one; else the word at its
 * column (the call or name that failed); else the rest of the line. Lines and columns are
 * 1-based; a position past the text is pulled back onto it.
 */
export function diagnosticRange(diagnostic: Diagnostic, lines: readonly string[]): TextRange {
  const lineNumber = Math.min(diagnostic.line, Math.max(lines.length, 1));
  const text = lines[lineNumber - 1] ?? '';
  const column = Math.min(diagnostic.column, text.length + 1);
  if (diagnostic.endLine !== undefined && diagnostic.endColumn !== undefined) {
    const after = diagnostic.endLine > lineNumber || (diagnostic.endLine === lineNumber && diagnostic.endColumn > column);
    if (after) return { startLineNumber: lineNumber, startColumn: column, endLineNumber: diagnostic.endLine, endColumn: diagnostic.endColumn };
  }
  let start = column - 1;
  let end = start;
  while (start > 0 && WORD.test(text[start - 1]!)) start -= 1;
  while (end < text.length && WORD.test(text[end]!)) end += 1;
  if (end > start) return { startLineNumber: lineNumber, startColumn: start + 1, endLineNumber: lineNumber, endColumn: end + 1 };
  const lineEnd = Math.max(text.length + 1, column + 1);
  return { startLineNumber: lineNumber, startColumn: column, endLineNumber: lineNumber, endColumn: lineEnd };
}

/** The one replacement (by character offsets into `before`) that turns `before` into `after`. */
export function minimalEdit(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before[start] === after[start]) start += 1;
  let tail = 0;
  while (tail < shorter - start && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail += 1;
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}
