import { describe, expect, it } from 'vitest';
import { draftOf, initialDrafts, parseDraft, problemsByField, readForm } from '../../../renderer/src/graph/option-form.js';
import type { LayerClass, LayerOption } from '../../../shared/ipc/index.js';

const opt = (name: string, kind: LayerOption['kind'], extra: Partial<LayerOption> = {}): LayerOption => ({ name, kind, required: false, ...extra });

const dense: LayerClass = {
  className: 'Dense',
  family: 'core',
  positional: ['units'],
  options: [
    opt('units', 'integer', { required: true }),
    opt('activation', 'choice', { choices: ['linear', 'relu', 'softmax'], default: null }),
    opt('useBias', 'boolean', { default: true }),
    opt('rate', 'number', { default: 0.5 }),
    opt('name', 'string'),
    opt('padding', 'string', { default: 'valid' }),
    opt('targetShape', 'shape'),
    opt('kernelInitializer', 'json', { default: 'glorot_uniform' }),
  ],
};

describe('reading option fields', () => {
  it('reads numbers and whole numbers, and says what it got otherwise', () => {
    expect(parseDraft(opt('rate', 'number'), ' 0.25 ')).toEqual({ ok: true, value: 0.25 });
    expect(parseDraft(opt('rate', 'number'), '1e-3')).toEqual({ ok: true, value: 0.001 });
    expect(parseDraft(opt('rate', 'number'), 'abc')).toEqual({ ok: false, problem: 'expected a number, got "abc"' });
    expect(parseDraft(opt('units', 'integer'), '64')).toEqual({ ok: true, value: 64 });
    expect(parseDraft(opt('units', 'integer'), '6.4')).toEqual({ ok: false, problem: 'expected a whole number, got "6.4"' });
  });

  it('reads shapes as Keras prints them, and a lone size as a number', () => {
    expect(parseDraft(opt('s', 'shape'), '28, 28, 1')).toEqual({ ok: true, value: [28, 28, 1] });
    expect(parseDraft(opt('s', 'shape'), '(None, 28)')).toEqual({ ok: true, value: [null, 28] });
    expect(parseDraft(opt('s', 'shape'), '[4,4,1]')).toEqual({ ok: true, value: [4, 4, 1] });
    expect(parseDraft(opt('s', 'shape'), '(16,)')).toEqual({ ok: true, value: [16] });
    expect(parseDraft(opt('s', 'shape'), '3')).toEqual({ ok: true, value: 3 });
    expect(parseDraft(opt('s', 'shape'), '3, -1')).toMatchObject({ ok: false, problem: expect.stringContaining('positive whole numbers or None') });
    expect(draftOf(opt('s', 'shape'), [null, 28, 28, 1])).toBe('None, 28, 28, 1');
  });

  it('reads choices, JSON and text', () => {
    const choice = opt('activation', 'choice', { choices: ['relu', 'tanh'] });
    expect(parseDraft(choice, 'relu')).toEqual({ ok: true, value: 'relu' });
    expect(parseDraft(choice, 'gelu')).toEqual({ ok: false, problem: 'expected one of "relu", "tanh", got "gelu"' });
    expect(parseDraft(opt('j', 'json'), '{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseDraft(opt('j', 'json'), '{a}')).toMatchObject({ ok: false, problem: expect.stringMatching(/^expected JSON/) });
    expect(parseDraft(opt('n', 'string'), ' dense ')).toEqual({ ok: true, value: ' dense ' });
    expect(parseDraft(opt('n', 'string', { default: 'same' }), '')).toEqual({ ok: true, value: 'same' });
  });

  it('treats an empty optional field as the default and an empty required one as missing', () => {
    expect(parseDraft(opt('rate', 'number', { default: 0.5 }), '')).toEqual({ ok: true, value: 0.5 });
    expect(parseDraft(opt('activation', 'choice', { choices: ['relu'] }), '')).toEqual({ ok: true, value: null });
    expect(parseDraft(opt('units', 'integer', { required: true }), ' ')).toEqual({ ok: false, problem: 'units is required' });
  });
});

describe('the options form', () => {
  const options = { units: 64, activation: 'relu' };

  it('starts from the layer\'s options, else the defaults, leaving the name to renaming', () => {
    expect(initialDrafts(dense, options)).toEqual({
      units: '64', activation: 'relu', useBias: true, rate: '0.5', padding: 'valid', targetShape: '', kernelInitializer: '"glorot_uniform"',
    });
  });

  it('reports no change for an untouched form', () => {
    const state = readForm(dense, options, initialDrafts(dense, options));
    expect(state.changed).toEqual({});
    expect(state.problems).toEqual({});
    expect(state.values).toMatchObject({ units: 64, activation: 'relu', useBias: true, kernelInitializer: 'glorot_uniform' });
  });

  it('reports the fields that changed and the ones that do not read', () => {
    const drafts = { ...initialDrafts(dense, options), units: '128', useBias: false, rate: 'half' };
    const state = readForm(dense, options, drafts);
    expect(state.changed).toEqual({ units: 128, useBias: false });
    expect(state.problems).toEqual({ rate: 'expected a number, got "half"' });
  });

  it('puts the engine\'s problems under their fields, the rest under the form', () => {
    expect(problemsByField(dense, [{ option: 'units', message: 'must be positive' }, { message: 'bad layer' }, { option: 'name', message: 'taken' }])).toEqual({
      units: ['must be positive'],
      '': ['bad layer', 'name: taken'],
    });
  });
});
