import { describe, expect, it } from 'vitest';
import { autoMapping, fitProblems, type ModelPort } from '../../../electron/host/datasets/index.js';
import type { DatasetField, DatasetInfo } from '../../../shared/ipc/index.js';

function dataset(fields: DatasetField[], classNames: string[] | null): DatasetInfo {
  return { name: 'd', fields, splits: [{ name: 'train', size: 10 }], classNames, classCounts: null, available: true, problem: null };
}

const image: DatasetField = { name: 'image', dtype: 'float32', shape: [28, 28], role: 'feature' };
const indices: DatasetField = { name: 'label', dtype: 'int32', shape: [], role: 'label' };
const oneHot: DatasetField = { name: 'label', dtype: 'float32', shape: [3], role: 'label' };
const digits = dataset([image, indices], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
const pixels: ModelPort = { name: 'pixels', shape: [null, 28, 28] };
const logits = (units: number): ModelPort => ({ name: 'logits', shape: [null, units] });
const mapping = { inputs: { pixels: 'image' }, outputs: { logits: 'label' } };

describe('autoMapping', () => {
  it('matches fields to inputs and outputs by name first, then the one remaining field to the one remaining port', () => {
    const info = dataset(
      [
        { name: 'title', dtype: 'float32', shape: [10], role: 'feature' },
        { name: 'tags', dtype: 'float32', shape: [12], role: 'feature' },
        { name: 'priority', dtype: 'float32', shape: [1], role: 'label' },
        { name: 'department', dtype: 'int32', shape: [], role: 'label' },
      ],
      null,
    );
    const inputs = [{ name: 'tags', shape: [null, 12] }, { name: 'body', shape: [null, 10] }];
    const outputs = [{ name: 'department', shape: [null, 4] }, { name: 'score', shape: [null, 1] }];
    expect(autoMapping(info, inputs, outputs)).toEqual({ inputs: { tags: 'tags', body: 'title' }, outputs: { department: 'department', score: 'priority' } });
  });

  it('leaves out what is ambiguous', () => {
    const info = dataset([image, { ...image, name: 'mask' }, indices], null);
    expect(autoMapping(info, [pixels], [logits(10)])).toEqual({ inputs: {}, outputs: { logits: 'label' } });
  });
});

describe('fitProblems', () => {
  it('accepts matching shapes, classes and a sparse loss', () => {
    expect(fitProblems(digits, mapping, [pixels], [logits(10)], { logits: 'SparseCategoricalCrossentropy' })).toEqual([]);
  });

  it('takes a field with as many values per sample as the input, and names both shapes otherwise', () => {
    expect(fitProblems(digits, mapping, [{ name: 'pixels', shape: [null, 784] }], [logits(10)])).toEqual([]);
    expect(fitProblems(digits, mapping, [{ name: 'pixels', shape: [null, 28, 28, 1] }], [logits(10)])).toEqual([]);
    expect(fitProblems(digits, mapping, [{ name: 'pixels', shape: [null, 32, 32] }], [logits(10)])).toEqual(["input 'pixels' expects (None, 32, 32); field 'image' is (None, 28, 28)"]);
  });

  it('names an unmapped input and a field the dataset lacks', () => {
    expect(fitProblems(digits, { inputs: {}, outputs: { logits: 'digit' } }, [pixels], [logits(10)])).toEqual([
      "input 'pixels' is fed by no dataset field; choose one of the dataset's fields 'image', 'label'",
      "output 'logits' is mapped to field 'digit', which dataset 'd' does not have; its fields are 'image', 'label'",
    ]);
  });

  it('compares class count with output units', () => {
    expect(fitProblems(digits, mapping, [pixels], [logits(3)])).toEqual([
      "output 'logits' is (None, 3): 3 units, and field 'label' has 10 classes ('0', '1', '2', '3', '4', …): give the output 10 units",
    ]);
    expect(fitProblems(digits, mapping, [pixels], [logits(1)], { logits: 'binary_crossentropy' })[0]).toMatch(/1 unit gives a yes\/no answer, and field 'label' has 10 classes/);
  });

  it('tells class indices from one-hot labels by the loss', () => {
    expect(fitProblems(digits, mapping, [pixels], [logits(10)], { logits: 'categorical_crossentropy' })).toEqual([
      "output 'logits' is (None, 10) and trained with categorical_crossentropy, which expects one-hot labels (None, 10); field 'label' holds class indices (None,): turn on one-hot labels in the dataset, or use sparse_categorical_crossentropy",
    ]);
    const flowers = dataset([{ name: 'features', dtype: 'float32', shape: [4], role: 'feature' }, oneHot], ['a', 'b', 'c']);
    const ports = { inputs: [{ name: 'x', shape: [null, 4] }], outputs: [logits(3)] };
    const map = { inputs: { x: 'features' }, outputs: { logits: 'label' } };
    expect(fitProblems(flowers, map, ports.inputs, ports.outputs, { logits: 'CategoricalCrossentropy' })).toEqual([]);
    expect(fitProblems(flowers, map, ports.inputs, ports.outputs, { logits: 'sparse_categorical_crossentropy' })[0]).toMatch(
      /expects class indices \(None,\); field 'label' holds one-hot labels \(None, 3\): turn off one-hot labels/,
    );
  });

  it('compares regression targets shape for shape, a scalar matching one unit', () => {
    const prices = dataset([{ name: 'features', dtype: 'float32', shape: [3], role: 'feature' }, { name: 'label', dtype: 'float32', shape: [], role: 'label' }], null);
    const map = { inputs: { x: 'features' }, outputs: { logits: 'label' } };
    const inputs = [{ name: 'x', shape: [null, 3] }];
    expect(fitProblems(prices, map, inputs, [logits(1)], { logits: 'mse' })).toEqual([]);
    expect(fitProblems(prices, map, inputs, [logits(2)], { logits: 'mse' })).toEqual(["output 'logits' is (None, 2); field 'label' is (None,)"]);
    expect(fitProblems(prices, map, [{ name: 'x', shape: [null, null] }], [logits(1)])).toEqual([]);
  });
});
