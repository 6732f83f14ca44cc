import { describe, expect, it } from 'vitest';
import { adoptCsvPreview, datasetFormProblem, newDatasetForm, toDefinition } from '../../../renderer/src/datasets/dataset-form.js';

describe('the "Add dataset" form', () => {
  it('saves a built-in with its splits and preprocessing', () => {
    const form = newDatasetForm();
    form.name = 'mnist';
    expect(datasetFormProblem(form, [])).toBeNull();
    expect(toDefinition(form)).toEqual({
      name: 'mnist',
      source: { kind: 'builtin', id: 'mnist' },
      splits: { validation: 0.1, test: 0 },
      preprocessing: { scale: 'unit', oneHot: false, shuffleSeed: 1 },
    });
  });

  it('takes a CSV preview as features and a label, with the types it inferred', () => {
    const form = newDatasetForm();
    form.name = 'iris';
    form.kind = 'csv';
    form.path = 'data/iris.csv';
    adoptCsvPreview(form, {
      columns: [
        { name: 'sepal', type: 'number', distinct: 35 },
        { name: 'petal', type: 'number', distinct: 43 },
        { name: 'species', type: 'category', distinct: 3 },
      ],
      rows: [],
      rowCount: 150,
    });
    form.shuffleSeed = '';
    expect(toDefinition(form).source).toEqual({
      kind: 'csv',
      path: 'data/iris.csv',
      features: ['sepal', 'petal'],
      label: 'species',
      types: { sepal: 'number', petal: 'number', species: 'category' },
    });
    expect(toDefinition(form).preprocessing).toEqual({ scale: 'standardize', oneHot: false, shuffleSeed: null });
  });

  it('says what is missing or wrong before saving', () => {
    const form = newDatasetForm();
    form.name = 'bad name!';
    expect(datasetFormProblem(form, [])).toMatch(/"bad name!" is not usable/);
    form.name = 'mnist';
    expect(datasetFormProblem(form, ['mnist'])).toMatch(/already has a dataset named "mnist"/);
    form.kind = 'imageFolder';
    form.width = 0;
    expect(datasetFormProblem(form, [])).toMatch(/received 28×0/);
    form.width = 28;
    expect(datasetFormProblem(form, [])).toBe('Give the image folder.');
    form.path = '/data/pets';
    form.validation = 0.5;
    form.test = 0.5;
    expect(datasetFormProblem(form, [])).toMatch(/add up to 1; together they may be at most 0.9/);
    form.test = 0;
    form.shuffleSeed = 'x';
    expect(datasetFormProblem(form, [])).toMatch(/shuffle seed must be a whole number.*"x"/);
  });

  it('writes optional paths as null', () => {
    const form = newDatasetForm();
    form.name = 'arrays';
    form.kind = 'npz';
    form.path = 'a.npz';
    form.x = 'x_train';
    expect(toDefinition(form).source).toEqual({ kind: 'npz', path: 'a.npz', x: 'x_train', y: null });
  });

  it('turns comma-separated NPZ keys into one field per member, for several inputs or outputs', () => {
    const form = newDatasetForm();
    form.name = 'tickets';
    form.kind = 'npz';
    form.path = 'tickets.npz';
    form.x = 'title, body,';
    form.y = 'department ,priority';
    expect(toDefinition(form).source).toEqual({ kind: 'npz', path: 'tickets.npz', x: ['title', 'body'], y: ['department', 'priority'] });
  });
});
