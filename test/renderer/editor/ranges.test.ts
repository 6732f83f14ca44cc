import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../shared/ipc/index.js';
import { diagnosticRange, minimalEdit } from '../../../renderer/src/editor/ranges.js';

const at = (line: number, column: number, extra: Partial<Diagnostic> = {}): Diagnostic => ({ severity: 'error', kind: 'shape', message: 'm', line, column, ...extra });
const lines = ['const inputs = Input({ shape: [784] });', 'x = layers.Dense(64)(inputs);', ''];

describe('where a problem is drawn', () => {
  it('covers the word at its column', () => {
    expect(diagnosticRange(at(2, 12), lines)).toEqual({ startLineNumber: 2, startColumn: 12, endLineNumber: 2, endColumn: 17 });
    expect(diagnosticRange(at(2, 14), lines)).toMatchObject({ startColumn: 12, endColumn: 17 });
  });

  it("uses the engine's own end when it gave one", () => {
    expect(diagnosticRange(at(2, 5, { endLine: 2, endColumn: 29 }), lines)).toEqual({ startLineNumber: 2, startColumn: 5, endLineNumber: 2, endColumn: 29 });
  });

  it('falls back to the rest of the line, and stays inside the text', () => {
    expect(diagnosticRange(at(2, 21), lines)).toEqual({ startLineNumber: 2, startColumn: 21, endLineNumber: 2, endColumn: 30 });
    expect(diagnosticRange(at(40, 3), lines)).toMatchObject({ startLineNumber: 3, startColumn: 1 });
  });
});

describe('bringing the editor to new code', () => {
  it('replaces only what changed', () => {
    expect(minimalEdit('a = Dense(64)', 'a = Dense(32)')).toEqual({ start: 10, end: 12, text: '32' });
    expect(minimalEdit('abc', 'abXc')).toEqual({ start: 2, end: 2, text: 'X' });
    expect(minimalEdit('aaa', 'aa')).toEqual({ start: 2, end: 3, text: '' });
    expect(minimalEdit('same', 'same')).toEqual({ start: 4, end: 4, text: '' });
  });
});
