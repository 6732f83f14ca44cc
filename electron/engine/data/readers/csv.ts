/**
 * CSV files a person brings: RFC 4180 fields (double-quoted fields may hold the delimiter,
 * line breaks and `""` for a quote), LF or CRLF line ends, a UTF-8 byte-order mark ignored,
 * blank lines skipped.
 *
 * The first row names the columns (unless `header: false`). One column may be chosen as the
 * label column; every other column (less those in `ignore`) becomes a float32 feature column.
 * A column's kind is detected from its first non-empty value: a number makes it numeric,
 * and every later value must then be a number too (`1`, `-2.5`, `1e-3`, `nan`, `inf`).
 * Text in a feature column is an error that names the column; text in the label column
 * makes class labels: the distinct strings, sorted, are the class names and each row gets
 * its class index (or pass `classes` to fix the mapping).
 *
 * Rows are counted the way a spreadsheet shows them: the header is row 1, the first data
 * row is row 2.
 */
import { readFileSync } from 'node:fs';
import { DataFormatError, quote } from '../errors.js';
import type { HostTensor } from '../host-tensor.js';

/** A column by header name, or by 0-based index (negative counts from the end: -1 is the last). */
export type CsvColumn = string | number;

export interface CsvOptions {
  /** The name errors give the data (default `<text>`; `readCsv` passes the path). */
  source?: string;
  /** Field separator, one character (default `,`). */
  delimiter?: string;
  /** Whether the first row names the columns (default true). Without one, columns are named `0`, `1`, …. */
  header?: boolean;
  /** The label (target) column. Without one, every column is a feature. */
  label?: CsvColumn;
  /** Fixed class names for a text label column: the label `classes[i]` becomes class `i`. */
  classes?: string[];
  /** Columns to leave out. */
  ignore?: CsvColumn[];
  /** What an empty numeric field is: an error (default) or NaN. */
  missing?: 'error' | 'nan';
}

export interface CsvTable {
  /** Number of data rows. */
  rows: number;
  /** Feature columns, float32 `[rows, featureNames.length]`. */
  features: HostTensor<'float32'>;
  featureNames: string[];
  /**
   * The label column when one was chosen: int32 class indices for text labels and for
   * numeric labels that are all integers, float32 otherwise (regression targets).
   */
  labels?: HostTensor<'int32'> | HostTensor<'float32'>;
  labelName?: string;
  /** For text labels: class index → label text. */
  classNames?: string[];
}

/** One record of a CSV file: its fields and where it starts. */
export interface CsvRecord {
  fields: string[];
  /** 1-based record number (the spreadsheet row). */
  row: number;
  /** 1-based line the record starts on. */
  line: number;
}

/** Splits CSV text into records (RFC 4180 quoting). */
export function parseCsvRecords(text: string, options: Pick<CsvOptions, 'source' | 'delimiter'> = {}): CsvRecord[] {
  const file = options.source ?? '<text>';
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`CSV: expected a one-character delimiter other than a quote or line break, received ${quote(delimiter)}`);
  }
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let ended = false;
    while (!ended) {
      let field: string;
      if (text[i] === '"') {
        const quoteLine = line;
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            throw new DataFormatError(file, { row: records.length + 1, line: quoteLine, column: `${fields.length + 1}` }, 'a closing quote for the quoted field that opens here', 'the end of the file');
          }
          value += text.slice(j, q);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
          } else {
            j = q + 1;
            break;
          }
        }
        for (let k = i + 1; k < j; k++) if (text.charCodeAt(k) === 10) line++;
        i = j;
        field = value;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new DataFormatError(file, { row: records.length + 1, line, column: `${fields.length + 1}` }, `${quote(delimiter)} or a line break after a closing quote`, quote(text.slice(i, i + 10)));
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text[j];
          if (c === delimiter || c === '\n' || c === '\r') break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      const c = text[i];
      if (c === delimiter) {
        i++;
      } else {
        // A line break or the end of the text ends the record.
        if (c === '\r') i += text[i + 1] === '\n' ? 2 : 1;
        else if (c === '\n') i++;
        if (c !== undefined) line++;
        ended = true;
      }
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ fields, row: records.length + 1, line: startLine });
  }
  return records;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = { nan: NaN, '+nan': NaN, '-nan': NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };

/** The number a CSV field holds, or undefined when it holds something else. */
export function parseCsvNumber(field: string): number | undefined {
  const s = field.trim();
  if (NUMBER.test(s)) return Number(s);
  const special = SPECIAL[s.toLowerCase()];
  return special;
}

function resolveColumn(ref: CsvColumn, names: string[], file: string, what: string): number {
  if (typeof ref === 'number') {
    const index = ref < 0 ? names.length + ref : ref;
    if (!Number.isInteger(ref) || index < 0 || index >= names.length) {
      throw new DataFormatError(file, { row: 1 }, `a ${what} column index in [${-names.length}, ${names.length - 1}]`, `${ref}`);
    }
    return index;
  }
  const matches = names.flatMap((name, index) => (name === ref ? [index] : []));
  if (matches.length === 0) {
    throw new DataFormatError(file, { row: 1 }, `a ${what} column named one of ${names.map((n) => quote(n)).join(', ')}`, quote(ref));
  }
  if (matches.length > 1) {
    throw new DataFormatError(file, { row: 1 }, `one ${what} column named ${quote(ref)}`, `${matches.length} (columns ${matches.map((m) => m + 1).join(', ')}); name it by index instead`);
  }
  return matches[0]!;
}

const columnLabel = (names: string[], index: number) => `${quote(names[index]!)} (${index + 1})`;

/** Parses CSV text into a feature matrix and, optionally, labels. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const file = options.source ?? '<text>';
  const records = parseCsvRecords(text, options);
  const hasHeader = options.header ?? true;
  if (records.length === 0) throw new DataFormatError(file, { row: 1 }, hasHeader ? 'a header row' : 'at least one row', 'an empty file');
  const width = records[0]!.fields.length;
  const names = hasHeader ? records[0]!.fields.map((f) => f.trim()) : Array.from({ length: width }, (_, i) => `${i}`);
  const body = hasHeader ? records.slice(1) : records;
  for (const record of body) {
    if (record.fields.length !== width) {
      throw new DataFormatError(
        file,
        { row: record.row, line: record.line },
        `${width} fields${hasHeader ? ' (as many as the header has)' : ' (as many as the first row has)'}`,
        `${record.fields.length}`,
        'The row is ragged',
      );
    }
  }

  const labelIndex = options.label === undefined ? -1 : resolveColumn(options.label, names, file, 'label');
  const ignored = new Set((options.ignore ?? []).map((ref) => resolveColumn(ref, names, file, 'ignored')));
  if (ignored.has(labelIndex)) throw new DataFormatError(file, { row: 1 }, 'a label column that is not ignored', `label ${columnLabel(names, labelIndex)} in ignore`);
  const featureColumns = names.flatMap((_, index) => (index === labelIndex || ignored.has(index) ? [] : [index]));
  const rows = body.length;
  const allowMissing = options.missing === 'nan';

  // Features: numeric by their first non-empty value; text is an error.
  const features = new Float32Array(rows * featureColumns.length);
  featureColumns.forEach((column, k) => {
    const first = body.find((r) => r.fields[column]!.trim() !== '');
    if (first && parseCsvNumber(first.fields[column]!) === undefined) {
      throw new DataFormatError(
        file,
        { row: first.row, line: first.line, column: columnLabel(names, column) },
        'a number in a feature column',
        quote(first.fields[column]!),
        `The column holds text: choose it as the label column or leave it out with ignore: [${quote(names[column]!)}]`,
      );
    }
    for (let r = 0; r < rows; r++) {
      const record = body[r]!;
      const field = record.fields[column]!;
      let value = parseCsvNumber(field);
      if (value === undefined && allowMissing && field.trim() === '') value = NaN;
      if (value === undefined) {
        throw new DataFormatError(
          file,
          { row: record.row, line: record.line, column: columnLabel(names, column) },
          'a number',
          field.trim() === '' ? 'an empty field' : quote(field),
          field.trim() === '' ? "Pass missing: 'nan' to read empty fields as NaN" : undefined,
        );
      }
      features[r * featureColumns.length + k] = value;
    }
  });

  const table: CsvTable = {
    rows,
    features: { shape: [rows, featureColumns.length], dtype: 'float32', data: features },
    featureNames: featureColumns.map((c) => names[c]!),
  };
  if (labelIndex < 0) return table;
  table.labelName = names[labelIndex]!;
  const raw = body.map((r) => r.fields[labelIndex]!);
  const where = (r: number) => ({ row: body[r]!.row, line: body[r]!.line, column: columnLabel(names, labelIndex) });

  let classNames = options.classes;
  const numeric = raw.map(parseCsvNumber);
  if (!classNames && numeric.every((v) => v !== undefined)) {
    if (numeric.every((v) => Number.isInteger(v) && v! >= -2147483648 && v! <= 2147483647)) {
      table.labels = { shape: [rows], dtype: 'int32', data: Int32Array.from(numeric as number[]) };
    } else {
      table.labels = { shape: [rows], dtype: 'float32', data: Float32Array.from(numeric as number[]) };
    }
    return table;
  }
  if (!classNames) {
    const empty = raw.findIndex((v) => v.trim() === '');
    if (empty >= 0) throw new DataFormatError(file, where(empty), 'a label', 'an empty field');
    classNames = [...new Set(raw.map((v) => v.trim()))].sort();
  }
  const index = new Map(classNames.map((name, i) => [name, i]));
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const k = index.get(raw[r]!.trim());
    if (k === undefined) {
      throw new DataFormatError(file, where(r), `a label among ${classNames.map((c) => quote(c)).join(', ')}`, quote(raw[r]!));
    }
    labels[r] = k;
  }
  table.labels = { shape: [rows], dtype: 'int32', data: labels };
  table.classNames = [...classNames];
  return table;
}

/** Reads a CSV file (UTF-8). */
export function readCsv(path: string, options: Omit<CsvOptions, 'source'> = {}): CsvTable {
  return parseCsv(readFileSync(path, 'utf8'), { ...options, source: path });
}
