/**
 * Errors of the dataset layer. Every message a person can see says what was expected, what
 * was received and where (DESIGN.md §6): the file, and a byte offset, row or column in it.
 */

/** Where in a file a problem sits: a byte offset (binary formats) or a row and column (CSV). */
export interface DataLocation {
  /** Byte offset from the start of the (decompressed) file. */
  offset?: number;
  /** 1-based record of a text file, counted the way a spreadsheet counts rows (CSV: the header is row 1). */
  row?: number;
  /** 1-based line of a text file, shown when it differs from `row` (quoted fields may span lines). */
  line?: number;
  /** Column name, index or member name: whatever names the place best. */
  column?: string;
  /** Any other place, already worded (for example "member 'x.npy'"). */
  detail?: string;
}

function describeLocation(where: DataLocation | undefined): string {
  if (!where) return '';
  const parts: string[] = [];
  if (where.detail !== undefined) parts.push(where.detail);
  if (where.row !== undefined) parts.push(`row ${where.row}${where.line !== undefined && where.line !== where.row ? ` (line ${where.line})` : ''}`);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column ${where.column}`);
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  return parts.join(', ');
}

/**
 * A file that is not what its reader expects: wrong magic number, unsupported dtype, a
 * truncated body, a ragged CSV row, a value that is not a number.
 *
 * `message` reads `FILE, WHERE: expected X, received Y[. HINT]`.
 */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  constructor(
    /** The file (path, or a name such as `<bytes>` for data parsed from memory). */
    readonly file: string,
    readonly where: DataLocation | undefined,
    readonly expected: string,
    readonly received: string,
    readonly hint?: string,
  ) {
    const place = describeLocation(where);
    super(`${file}${place ? `, ${place}` : ''}: expected ${expected}, received ${received}${hint ? `. ${hint}` : ''}`);
  }
}

/** A built-in dataset whose files are not on this machine; the message says what to install. */
export class DatasetNotInstalledError extends Error {
  override name = 'DatasetNotInstalledError';
  constructor(
    readonly dataset: string,
    /** What to install, worded for a person (`apt-get install dataset-fashion-mnist`). */
    readonly install: string,
    /** The places that were searched. */
    readonly lookedIn: string[],
    message: string,
  ) {
    super(message);
  }
}

/** Shows a value from a file in a message: quoted, and cut when long. */
export function quote(value: string, max = 40): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
