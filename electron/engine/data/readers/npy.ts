/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0, see numpy/lib/format.py):
 *
 *   "\x93NUMPY" MAJOR MINOR HEADER_LEN HEADER DATA
 *
 * HEADER_LEN is a little-endian uint16 in version 1, uint32 in versions 2 and 3; HEADER is a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` (latin-1
 * in versions 1 and 2, UTF-8 in version 3). DATA holds the elements in C order.
 *
 * Supported element types and the host dtype each becomes:
 *
 * | descr          | host tensor                    |
 * |----------------|--------------------------------|
 * | `<f4`          | float32                        |
 * | `<f8`          | float32 (error on overflow)    |
 * | `<i4`          | int32                          |
 * | `<i8`          | int32 (error when out of range)|
 * | `<i2`, `\|i1`  | int32                          |
 * | `\|u1`         | uint8                          |
 * | `\|b1`         | uint8 (0 or 1)                 |
 *
 * Big-endian spellings (`>f4` …) are read too. Fortran-order arrays, structured dtypes and
 * object arrays are refused with a message that says how to re-save the array.
 */
import { readFileSync } from 'node:fs';
import { DataFormatError, quote } from '../errors.js';
import type { HostDType, HostTensor } from '../host-tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface ElementType {
  kind: 'f' | 'i' | 'u' | 'b';
  size: number;
  dtype: HostDType;
}

const ELEMENT_TYPES: Record<string, ElementType> = {
  f4: { kind: 'f', size: 4, dtype: 'float32' },
  f8: { kind: 'f', size: 8, dtype: 'float32' },
  i1: { kind: 'i', size: 1, dtype: 'int32' },
  i2: { kind: 'i', size: 2, dtype: 'int32' },
  i4: { kind: 'i', size: 4, dtype: 'int32' },
  i8: { kind: 'i', size: 8, dtype: 'int32' },
  u1: { kind: 'u', size: 1, dtype: 'uint8' },
  b1: { kind: 'b', size: 1, dtype: 'uint8' },
};

const SUPPORTED = '<f4, <f8, <i4, <i8, <i2, |i1, |u1 or |b1';

/** The parsed header of an `.npy` file. */
export interface NpyHeader {
  version: [number, number];
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

export interface NpyOptions {
  /** The name errors give the data (default `<bytes>`). */
  source?: string;
}

// ---------------------------------------------------------------------------------------------
// The header: a tiny parser for the Python literals numpy writes there.

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

class LiteralParser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly fail: (expected: string, at: number) => never,
  ) {}

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`'${ch}'`, this.pos);
    this.pos++;
  }

  value(): PyValue {
    const ch = this.peek();
    if (ch === '{') return this.dict();
    if (ch === '(') return this.sequence('(', ')');
    if (ch === '[') return this.sequence('[', ']');
    if (ch === "'" || ch === '"') return this.string();
    if (/[-+0-9]/.test(ch)) return this.number();
    const word = /^[A-Za-z_]+/.exec(this.text.slice(this.pos))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.pos += word.length;
      return word === 'None' ? null : word === 'True';
    }
    return this.fail('a Python literal', this.pos);
  }

  private dict(): { [key: string]: PyValue } {
    this.expect('{');
    const out: { [key: string]: PyValue } = Object.create(null);
    while (this.peek() !== '}') {
      const key = this.value();
      if (typeof key !== 'string') this.fail('a string key', this.pos);
      this.expect(':');
      out[key as string] = this.value();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail("',' or '}'", this.pos);
    }
    this.pos++;
    return out;
  }

  private sequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const out: PyValue[] = [];
    while (this.peek() !== close) {
      out.push(this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`',' or '${close}'`, this.pos);
    }
    this.pos++;
    return out;
  }

  private string(): string {
    const q = this.text[this.pos]!;
    const end = this.text.indexOf(q, this.pos + 1);
    if (end < 0) this.fail(`a closing ${q}`, this.text.length);
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }

  private number(): number {
    const m = /^[-+]?\d+L?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('an integer', this.pos);
    this.pos += m![0].length;
    return Number.parseInt(m![0], 10);
  }

  end(): void {
    this.skip();
    if (this.pos !== this.text.length) this.fail('the end of the header', this.pos);
  }
}

/** Reads and checks the header of `.npy` bytes. */
export function parseNpyHeader(bytes: Uint8Array, options: NpyOptions = {}): NpyHeader {
  const file = options.source ?? '<bytes>';
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new DataFormatError(file, { offset: i }, 'the NPY magic string \\x93NUMPY (93 4e 55 4d 50 59)', got === '' ? 'an empty file' : got, 'This is not a .npy file');
    }
  }
  if (bytes.length < 10) throw new DataFormatError(file, { offset: bytes.length }, 'at least 10 header bytes', `${bytes.length} bytes (the file is truncated)`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3) {
    throw new DataFormatError(file, { offset: 6 }, 'NPY format version 1.0, 2.0 or 3.0', `version ${major}.${minor}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else {
    if (bytes.length < 12) throw new DataFormatError(file, { offset: bytes.length }, 'at least 12 header bytes', `${bytes.length} bytes (the file is truncated)`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  }
  const dataOffset = headerStart + headerLength;
  if (bytes.length < dataOffset) {
    throw new DataFormatError(file, { offset: bytes.length }, `a ${headerLength}-byte header ending at byte ${dataOffset}`, `${bytes.length} bytes (the file is truncated)`);
  }
  const raw = bytes.subarray(headerStart, dataOffset);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  const fail = (expected: string, at: number): never => {
    throw new DataFormatError(file, { offset: headerStart + at }, `${expected} in the NPY header`, quote(text.slice(at, at + 20) || '<end>'));
  };
  const parser = new LiteralParser(text.replace(/[\s\x00]+$/, ''), fail);
  const dict = parser.value();
  parser.end();
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) return fail('a dict', 0);
  const descr = dict['descr'];
  const fortran = dict['fortran_order'];
  const shape = dict['shape'];
  if (Array.isArray(descr)) {
    throw new DataFormatError(file, { offset: headerStart }, `a plain dtype (${SUPPORTED})`, 'a structured dtype (record array)', 'Save each field as its own array');
  }
  if (typeof descr !== 'string') return fail("a string 'descr'", 0);
  if (typeof fortran !== 'boolean') return fail("a boolean 'fortran_order'", 0);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    return fail("a 'shape' tuple of non-negative integers", 0);
  }
  return { version: [major, minor], descr, fortranOrder: fortran, shape: shape as number[], dataOffset };
}

/** Parses `.npy` bytes into a host tensor (see the table at the top of this file). */
export function parseNpy(bytes: Uint8Array, options: NpyOptions = {}): HostTensor {
  const file = options.source ?? '<bytes>';
  const header = parseNpyHeader(bytes, options);
  const { descr, shape, dataOffset } = header;
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  const type = m ? ELEMENT_TYPES[`${m[2]}${m[3]}`] : undefined;
  if (!m || !type) {
    const hint = /^[<>|=]?O/.test(descr)
      ? 'Object arrays (pickles) cannot be read; save a numeric array'
      : 'Convert it first, for example arr.astype(np.float32)';
    throw new DataFormatError(file, { offset: 10 }, `an NPY dtype ${SUPPORTED}`, quote(descr), hint);
  }
  if (header.fortranOrder) {
    throw new DataFormatError(
      file,
      { offset: 10 },
      "a C-order array ('fortran_order': False)",
      "'fortran_order': True",
      'Save it with np.save(path, np.ascontiguousarray(arr))',
    );
  }
  // '<' little-endian, '>' big-endian, '=' native (little on every platform Strata runs on),
  // '|' not applicable (1-byte types).
  const littleEndian = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * type.size;
  const received = bytes.length - dataOffset;
  if (received !== expected) {
    throw new DataFormatError(
      file,
      { offset: received < expected ? bytes.length : dataOffset + expected },
      `${expected} data bytes after the ${dataOffset}-byte header (shape (${shape.join(', ')}) of ${descr})`,
      `${received} bytes`,
      received < expected ? 'The file is truncated' : 'The file has trailing bytes after the data',
    );
  }
  const data = decode(bytes, dataOffset, count, type, littleEndian, file, descr);
  return { shape: [...shape], dtype: type.dtype, data } as HostTensor;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of `length` bytes at `offset`, in a fresh (so aligned) ArrayBuffer. */
function copyBytes(bytes: Uint8Array, offset: number, length: number): ArrayBuffer {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(offset, offset + length));
  return out.buffer;
}

function decode(bytes: Uint8Array, start: number, count: number, type: ElementType, little: boolean, file: string, descr: string) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fast = little === HOST_LITTLE_ENDIAN;
  switch (`${type.kind}${type.size}`) {
    case 'u1':
      return new Uint8Array(copyBytes(bytes, start, count));
    case 'b1': {
      const out = new Uint8Array(copyBytes(bytes, start, count));
      for (let i = 0; i < count; i++) if (out[i]! > 1) out[i] = 1;
      return out;
    }
    case 'i1': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(start + i);
      return out;
    }
    case 'i2': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, little);
      return out;
    }
    case 'i4': {
      if (fast) return new Int32Array(copyBytes(bytes, start, 4 * count));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, little);
      return out;
    }
    case 'f4': {
      if (fast) return new Float32Array(copyBytes(bytes, start, 4 * count));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, little);
      return out;
    }
    case 'i8': {
      const out = new Int32Array(count);
      const loAt = little ? 0 : 4;
      const hiAt = little ? 4 : 0;
      for (let i = 0; i < count; i++) {
        const at = start + 8 * i;
        const lo = view.getUint32(at + loAt, little);
        const hi = view.getInt32(at + hiAt, little);
        // Fits in int32 exactly when the high word is the sign extension of the low word.
        if (hi !== (lo >= 0x80000000 ? -1 : 0)) {
          const value = view.getBigInt64(at, little);
          throw new DataFormatError(file, { offset: at }, `${descr} values that fit in int32 [-2147483648, 2147483647]`, `${value} at element ${i}`);
        }
        out[i] = lo | 0;
      }
      return out;
    }
    default: {
      // f8
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getFloat64(start + 8 * i, little);
        out[i] = v;
        if (!Number.isFinite(out[i]!) && Number.isFinite(v)) {
          throw new DataFormatError(file, { offset: start + 8 * i }, `${descr} values that fit in float32 (|x| <= 3.4028235e38)`, `${v} at element ${i}`);
        }
      }
      return out;
    }
  }
}

/** Reads an `.npy` file. */
export function readNpy(path: string): HostTensor {
  return parseNpy(readFileSync(path), { source: path });
}
