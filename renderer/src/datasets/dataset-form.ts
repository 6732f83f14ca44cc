/**
 * The "Add dataset" form's state, what is wrong with it, and the dataset definition it saves.
 */
import { datasetName, type CsvPreview, type DatasetDefinition, type DatasetSource } from '../../../shared/ipc/index.js';

export type SourceKind = DatasetSource['kind'];
export type BuiltinId = Extract<DatasetSource, { kind: 'builtin' }>['id'];
type ColumnType = 'number' | 'category';

export interface DatasetForm {
  name: string;
  kind: SourceKind;
  builtin: BuiltinId;
  /** The CSV file, image folder or NPZ archive. */
  path: string;
  csvFeatures: string[];
  csvLabel: string | null;
  csvTypes: Record<string, ColumnType>;
  height: number;
  width: number;
  channels: 1 | 3;
  /** IDX files, or NPY files (x, y), or the NPZ keys (x, y). */
  images: string;
  labels: string;
  x: string;
  y: string;
  validation: number;
  test: number;
  scale: 'none' | 'unit' | 'standardize';
  oneHot: boolean;
  /** As typed: empty keeps the source's order. */
  shuffleSeed: string;
}

export function newDatasetForm(): DatasetForm {
  return {
    name: '',
    kind: 'builtin',
    builtin: 'mnist',
    path: '',
    csvFeatures: [],
    csvLabel: null,
    csvTypes: {},
    height: 28,
    width: 28,
    channels: 1,
    images: '',
    labels: '',
    x: '',
    y: '',
    validation: 0.1,
    test: 0,
    scale: 'unit',
    oneHot: false,
    shuffleSeed: '1',
  };
}

/** Takes a CSV's columns into the form: every column but the last as a feature, the last as the label. */
export function adoptCsvPreview(form: DatasetForm, preview: CsvPreview): void {
  const names = preview.columns.map((c) => c.name);
  form.csvTypes = Object.fromEntries(preview.columns.map((c) => [c.name, c.type]));
  form.csvLabel = names.length > 1 ? names[names.length - 1]! : null;
  form.csvFeatures = names.filter((n) => n !== form.csvLabel);
  form.scale = 'standardize';
}

function source(form: DatasetForm): DatasetSource {
  const optional = (text: string) => (text.trim() === '' ? null : text.trim());
  switch (form.kind) {
    case 'builtin':
      return { kind: 'builtin', id: form.builtin };
    case 'csv': {
      const used = [...form.csvFeatures, ...(form.csvLabel ? [form.csvLabel] : [])];
      return { kind: 'csv', path: form.path.trim(), features: [...form.csvFeatures], label: form.csvLabel, types: Object.fromEntries(used.map((c) => [c, form.csvTypes[c] ?? 'number'])) };
    }
    case 'imageFolder':
      return { kind: 'imageFolder', path: form.path.trim(), height: form.height, width: form.width, channels: form.channels };
    case 'idx':
      return { kind: 'idx', images: form.images.trim(), labels: optional(form.labels) };
    case 'npy':
      return { kind: 'npy', x: form.x.trim(), y: optional(form.y) };
    case 'npz':
      return { kind: 'npz', path: form.path.trim(), x: memberKeys(form.x), y: form.y.trim() === '' ? null : memberKeys(form.y) };
  }
}

function sourceProblem(form: DatasetForm): string | null {
  const missing = (what: string, value: string) => (value.trim() === '' ? `Give the ${what}.` : null);
  switch (form.kind) {
    case 'builtin':
      return null;
    case 'csv':
      return missing('CSV file', form.path) ?? (form.csvFeatures.length === 0 ? 'Read the CSV file and choose at least one feature column.' : null);
    case 'imageFolder':
      if (![form.height, form.width].every((n) => Number.isInteger(n) && n >= 1 && n <= 1024)) {
        return `Images are resized to a height and width from 1 to 1024 pixels; received ${form.height}×${form.width}.`;
      }
      return missing('image folder', form.path);
    case 'idx':
      return missing('IDX images file', form.images);
    case 'npy':
      return missing('NPY file of the inputs (x)', form.x);
    case 'npz':
      return missing('NPZ file', form.path) ?? missing('key of the inputs (x) in the NPZ file', form.x);
  }
}

/** What the person must fix before saving, or null. */
export function datasetFormProblem(form: DatasetForm, existing: string[]): string | null {
  const named = datasetName.safeParse(form.name);
  if (!named.success) return `The name "${form.name}" is not usable: ${named.error.issues[0]?.message ?? 'expected a dataset name'}.`;
  if (existing.includes(form.name)) return `The project already has a dataset named "${form.name}"; choose another name.`;
  const problem = sourceProblem(form);
  if (problem) return problem;
  if (form.shuffleSeed.trim() !== '' && !Number.isInteger(Number(form.shuffleSeed))) return `The shuffle seed must be a whole number, or empty to keep the source's order; received "${form.shuffleSeed}".`;
  if (form.validation + form.test > 0.9) return `The validation and test shares add up to ${form.validation + form.test}; together they may be at most 0.9.`;
  return null;
}

export function toDefinition(form: DatasetForm): DatasetDefinition {
  return {
    name: form.name,
    source: source(form),
    splits: { validation: form.validation, test: form.test },
    preprocessing: {
      scale: form.scale,
      oneHot: form.oneHot,
      shuffleSeed: form.shuffleSeed.trim() === '' ? null : Number(form.shuffleSeed),
    },
  };
}

/** NPZ member keys as typed: one key, or several (comma-separated) for a model with several inputs or outputs. */
export function memberKeys(text: string): string | string[] {
  const keys = text.split(',').map((k) => k.trim()).filter((k) => k !== '');
  return keys.length === 1 ? keys[0]! : keys;
}
