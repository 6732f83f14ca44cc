/**
 * CSV sources. The engine's reader splits the records; the columns are read here because a
 * dataset may hold text in feature columns too (as categories), which the engine's `readCsv`
 * refuses. Rows are counted as a spreadsheet shows them: the header is row 1.
 */
import { readFile } from 'node:fs/promises';
import { parseCsvNumber, parseCsvRecords, type CsvRecord } from '../../../engine/data/index.js';
import type { CsvPreview, DatasetSource } from '../../../../shared/ipc/index.js';
import { FIELD, type SourceData } from './types.js';

type CsvSource = Extract<DatasetSource, { kind: 'csv' }>;
export type ColumnType = 'number' | 'category';

const PREVIEW_ROWS = 20;

interface CsvTable {
  names: string[];
  body: CsvRecord[];
}

async function readTable(path: string): Promise<CsvTable> {
  const records = parseCsvRecords(await readFile(path, 'utf8'), { source: path });
  const header = records[0];
  if (!header) throw new Error(`${path}: expected a header row naming the columns, received an empty file`);
  const width = header.fields.length;
  for (const record of records) {
    if (record.fields.length !== width) {
      throw new Error(`${path}, row ${record.row}: expected ${width} fields, as many as the header has, received ${record.fields.length}`);
    }
  }
  return { names: header.fields.map((f) => f.trim()), body: records.slice(1) };
}

/** Numeric when every non-empty value parses as a number (and there is one). */
export function inferColumnType(values: readonly string[]): ColumnType {
  let numbers = 0;
  for (const value of values) {
    if (value.trim() === '') continue;
    if (parseCsvNumber(value) === undefined) return 'category';
    numbers++;
  }
  return numbers > 0 ? 'number' : 'category';
}

/** The distinct values of a category column in class-index order: by number when all are numbers ("2" before "10"), else by text. */
export function categoryOrder(values: readonly string[]): string[] {
  const distinct = [...new Set(values.map((v) => v.trim()))];
  const numeric = distinct.every((v) => parseCsvNumber(v) !== undefined);
  return numeric ? distinct.sort((a, b) => parseCsvNumber(a)! - parseCsvNumber(b)!) : distinct.sort();
}

const columnValues = (table: CsvTable, column: number): string[] => table.body.map((r) => r.fields[column]!);

/** The columns of a CSV file with their inferred types and distinct counts, and its first rows. */
export async function previewCsv(path: string): Promise<CsvPreview> {
  const table = await readTable(path);
  return {
    columns: table.names.map((name, i) => {
      const values = columnValues(table, i);
      return { name, type: inferColumnType(values), distinct: new Set(values.map((v) => v.trim())).size };
    }),
    rows: table.body.slice(0, PREVIEW_ROWS).map((r) => r.fields),
    rowCount: table.body.length,
  };
}

function columnIndex(table: CsvTable, name: string, path: string, role: string): number {
  const index = table.names.indexOf(name);
  if (index < 0) {
    throw new Error(`${path}: expected a ${role} column named one of ${table.names.map((n) => `"${n}"`).join(', ')}, received "${name}"`);
  }
  return index;
}

function numbersOf(table: CsvTable, column: number, path: string): Float32Array {
  const out = new Float32Array(table.body.length);
  table.body.forEach((record, r) => {
    const value = parseCsvNumber(record.fields[column]!);
    if (value === undefined) {
      const field = record.fields[column]!;
      throw new Error(
        `${path}, row ${record.row}, column "${table.names[column]}": expected a number, received ${field.trim() === '' ? 'an empty field' : JSON.stringify(field)}; read the column as a category if it holds text`,
      );
    }
    out[r] = value;
  });
  return out;
}

function categoriesOf(table: CsvTable, column: number): { names: string[]; indices: Int32Array } {
  const values = columnValues(table, column);
  const names = categoryOrder(values);
  const index = new Map(names.map((name, i) => [name, i]));
  return { names, indices: Int32Array.from(values, (v) => index.get(v.trim())!) };
}

/** A CSV dataset: the chosen feature columns as one float32 field (categories as their index), the label column as classes or targets. */
export async function loadCsv(source: CsvSource, path: string): Promise<SourceData> {
  const table = await readTable(path);
  const rows = table.body.length;
  if (rows === 0) throw new Error(`${path}: expected at least one data row after the header, received none`);
  const typeOf = (column: number): ColumnType => source.types[table.names[column]!] ?? inferColumnType(columnValues(table, column));

  const featureColumns = source.features.map((name) => columnIndex(table, name, path, 'feature'));
  const width = featureColumns.length;
  const features = new Float32Array(rows * width);
  const categories: Record<number, string[]> = {};
  featureColumns.forEach((column, k) => {
    let values: ArrayLike<number>;
    if (typeOf(column) === 'category') {
      const read = categoriesOf(table, column);
      categories[k] = read.names;
      values = read.indices;
    } else {
      values = numbersOf(table, column, path);
    }
    for (let r = 0; r < rows; r++) features[r * width + k] = values[r]!;
  });

  const split: SourceData['splits'][string] = { [FIELD.features]: { shape: [rows, width], dtype: 'float32', data: features } };
  let classNames: string[] | null = null;
  if (source.label !== null) {
    const column = columnIndex(table, source.label, path, 'label');
    if (featureColumns.includes(column)) throw new Error(`${path}: expected the label column "${source.label}" not to be one of the feature columns as well`);
    if (typeOf(column) === 'category') {
      const read = categoriesOf(table, column);
      classNames = read.names;
      split[FIELD.label] = { shape: [rows], dtype: 'int32', data: read.indices };
    } else {
      split[FIELD.label] = { shape: [rows], dtype: 'float32', data: numbersOf(table, column, path) };
    }
  }
  return {
    splits: { train: split },
    features: [FIELD.features],
    label: source.label === null ? null : FIELD.label,
    classNames,
    view: { kind: 'row', field: FIELD.features, columns: [...source.features], categories },
  };
}
