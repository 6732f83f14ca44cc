/**
 * IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * `0x00 0x00 TYPE NDIM`, then NDIM big-endian uint32 dimensions, then the elements,
 * big-endian, row-major. Gzipped files (`.gz`, as Debian and most mirrors ship them) are
 * accepted and recognised by their content, not their name.
 *
 * | type byte | element      | host tensor |
 * |-----------|--------------|-------------|
 * | 0x08      | uint8        | uint8       |
 * | 0x09      | int8         | int32       |
 * | 0x0B      | int16        | int32       |
 * | 0x0C      | int32        | int32       |
 * | 0x0D      | float32      | float32     |
 * | 0x0E      | float64      | float32 (overflow checked) |
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import type { HostDType, HostTensor } from '../host-tensor.js';

interface IdxType {
  name: string;
  size: number;
  dtype: HostDType;
}

const IDX_TYPES: Record<number, IdxType> = {
  0x08: { name: 'uint8', size: 1, dtype: 'uint8' },
  0x09: { name: 'int8', size: 1, dtype: 'int32' },
  0x0b: { name: 'int16', size: 2, dtype: 'int32' },
  0x0c: { name: 'int32', size: 4, dtype: 'int32' },
  0x0d: { name: 'float32', size: 4, dtype: 'float32' },
  0x0e: { name: 'float64', size: 8, dtype: 'float32' },
};

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` when they are gzip, with a clear error when the stream is damaged. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new DataFormatError(file, undefined, 'a complete gzip stream', `a damaged one (${(error as Error).message})`);
  }
}

export interface IdxOptions {
  /** The name errors give the data (default `<bytes>`). */
  source?: string;
  /**
   * Let a uint8 result share memory with `input` instead of copying it (default false). Only
   * for bytes nothing else holds, as `readIdx` does with the file it reads.
   */
  shareInput?: boolean;
}

/** Parses IDX bytes (gzipped or not) into a host tensor. */
export function parseIdx(input: Uint8Array, options: IdxOptions = {}): HostTensor {
  const file = options.source ?? '<bytes>';
  const gzipped = isGzip(input);
  const bytes = gunzipIfNeeded(input, file);
  // Gunzipped bytes are a fresh buffer nobody else holds. Share only a buffer the bytes fill
  // whole, so a view never carries unrelated memory along (structured clone copies it all).
  const share = (gzipped || options.shareInput === true) && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (bytes.length < 4) {
    throw new DataFormatError(file, { offset: 0 }, 'an IDX header of at least 4 bytes', `${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(
      file,
      { offset: 0 },
      'the IDX magic number 0x00 0x00 TYPE NDIM',
      `${hex(bytes[0]!)} ${hex(bytes[1]!)} ${hex(bytes[2]!)} ${hex(bytes[3]!)}`,
      'This is not an IDX file',
    );
  }
  const typeByte = bytes[2]!;
  const type = IDX_TYPES[typeByte];
  if (!type) {
    throw new DataFormatError(
      file,
      { offset: 2 },
      'an IDX type byte 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32) or 0x0e (float64)',
      hex(typeByte),
    );
  }
  const ndim = bytes[3]!;
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new DataFormatError(file, { offset: bytes.length }, `${headerSize} header bytes for ${ndim} dimensions`, `${bytes.length} bytes (the file is truncated)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expectedBytes = headerSize + count * type.size;
  if (bytes.length !== expectedBytes) {
    const dims = `[${shape.join(', ')}]`;
    throw new DataFormatError(
      file,
      { offset: bytes.length < expectedBytes ? bytes.length : expectedBytes },
      `${expectedBytes} bytes (${headerSize}-byte header + ${count} ${type.name} elements for dims ${dims})`,
      `${bytes.length} bytes`,
      bytes.length < expectedBytes ? 'The file is truncated' : 'The file has trailing bytes after the data',
    );
  }
  return { shape, dtype: type.dtype, data: decodeBigEndian(bytes, view, headerSize, count, typeByte, file, share) } as HostTensor;
}

function decodeBigEndian(bytes: Uint8Array, view: DataView, start: number, count: number, typeByte: number, file: string, share: boolean) {
  switch (typeByte) {
    case 0x08: {
      // A plain Uint8Array view (a Buffer's own subarray would be a Buffer).
      if (share) return new Uint8Array(bytes.buffer, bytes.byteOffset + start, count);
      // A fresh Uint8Array (Buffer#slice would return a view that aliases the file bytes).
      const out = new Uint8Array(count);
      out.set(bytes.subarray(start, start + count));
      return out;
    }
    case 0x09: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(start + i);
      return out;
    }
    case 0x0b: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, false);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, false);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, false);
      return out;
    }
    default: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getFloat64(start + 8 * i, false);
        out[i] = v;
        if (!Number.isFinite(out[i]!) && Number.isFinite(v)) {
          throw new DataFormatError(file, { offset: start + 8 * i }, 'float64 values that fit in float32', `${v} at element ${i}`);
        }
      }
      return out;
    }
  }
}

/** Reads an IDX file (gzipped or not). */
export function readIdx(path: string): HostTensor {
  return parseIdx(readFileSync(path), { source: path, shareInput: true });
}
