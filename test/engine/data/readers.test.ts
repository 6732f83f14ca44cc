import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  crc32,
  DataFormatError,
  parseCsv,
  parseCsvRecords,
  parseIdx,
  parseNpy,
  parseNpz,
  readCsv,
  readIdx,
  readNpy,
  readNpz,
} from '../../../electron/engine/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** What a call throws (and that it is a DataFormatError). */
function failure(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DataFormatError);
    return error as DataFormatError;
  }
  throw new Error('expected a DataFormatError, but nothing was thrown');
}

// ---------------------------------------------------------------------------------------------
// IDX, written byte by byte: 00 00 TYPE NDIM, big-endian uint32 dims, big-endian data.

function idxBytes(type: number, dims: number[], body: number[] | Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

describe('IDX reader', () => {
  it('reads uint8 images with dims from the header', () => {
    const pixels = Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    const path = file('images.idx', idxBytes(0x08, [2, 3, 4], pixels));
    const t = readIdx(path);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.dtype).toBe('uint8');
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data)).toEqual(pixels);
  });

  it('reads gzipped files, recognised by content', () => {
    const path = file('labels.idx.gz', gzipSync(idxBytes(0x08, [5], [5, 0, 4, 1, 9])));
    const t = readIdx(path);
    expect(t.shape).toEqual([5]);
    expect(Array.from(t.data)).toEqual([5, 0, 4, 1, 9]);
  });

  it('decodes big-endian int16, int32, float32 and float64', () => {
    const be = (size: number, write: (v: DataView, at: number, x: number) => void, xs: number[]) => {
      const b = new Uint8Array(size * xs.length);
      const v = new DataView(b.buffer);
      xs.forEach((x, i) => write(v, i * size, x));
      return b;
    };
    const i16 = parseIdx(idxBytes(0x0b, [3], be(2, (v, at, x) => v.setInt16(at, x, false), [-2, 300, 7])));
    expect([i16.dtype, Array.from(i16.data)]).toEqual(['int32', [-2, 300, 7]]);
    const i32 = parseIdx(idxBytes(0x0c, [2], be(4, (v, at, x) => v.setInt32(at, x, false), [-70000, 123456789])));
    expect(Array.from(i32.data)).toEqual([-70000, 123456789]);
    const f32 = parseIdx(idxBytes(0x0d, [1, 2], be(4, (v, at, x) => v.setFloat32(at, x, false), [1.5, -0.25])));
    expect([f32.dtype, f32.shape, Array.from(f32.data)]).toEqual(['float32', [1, 2], [1.5, -0.25]]);
    const f64 = parseIdx(idxBytes(0x0e, [2], be(8, (v, at, x) => v.setFloat64(at, x, false), [0.5, -1e30])));
    expect([f64.dtype, Array.from(f64.data)]).toEqual(['float32', [0.5, Math.fround(-1e30)]]);
  });

  it('rejects float64 values that overflow float32', () => {
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setFloat64(0, 0.5, false);
    v.setFloat64(8, 1e300, false);
    const e = failure(() => parseIdx(idxBytes(0x0e, [2], body), { source: 'big.idx' }));
    expect(e.message).toBe('big.idx, byte 16: expected float64 values that fit in float32, received 1e+300 at element 1');
  });

  it('rejects a wrong magic number', () => {
    const path = file('not.idx', new TextEncoder().encode('PK\x03\x04 this is a zip'));
    const e = failure(() => readIdx(path));
    expect(e.message).toBe(`${path}, byte 0: expected the IDX magic number 0x00 0x00 TYPE NDIM, received 0x50 0x4b 0x03 0x04. This is not an IDX file`);
  });

  it('rejects an unknown type byte', () => {
    const e = failure(() => parseIdx(idxBytes(0x07, [1], [0]), { source: 'x.idx' }));
    expect(e.message).toMatch(/^x\.idx, byte 2: expected an IDX type byte 0x08 \(uint8\).*received 0x07$/);
  });

  it('rejects a truncated file, comparing its length with the dims', () => {
    const full = idxBytes(0x08, [10, 28, 28], new Uint8Array(10 * 28 * 28));
    const path = file('cut.idx', full.subarray(0, 5000));
    const e = failure(() => readIdx(path));
    expect(e.message).toBe(`${path}, byte 5000: expected 7856 bytes (16-byte header + 7840 uint8 elements for dims [10, 28, 28]), received 5000 bytes. The file is truncated`);
    const header = failure(() => parseIdx(full.subarray(0, 10), { source: 'h.idx' }));
    expect(header.message).toBe('h.idx, byte 10: expected 16 header bytes for 3 dimensions, received 10 bytes (the file is truncated)');
    const trailing = failure(() => parseIdx(idxBytes(0x08, [2], [1, 2, 3]), { source: 't.idx' }));
    expect(trailing.message).toMatch(/expected 10 bytes .* received 11 bytes\. The file has trailing bytes/);
  });

  it('rejects a damaged gzip stream', () => {
    const gz = gzipSync(idxBytes(0x08, [100], new Uint8Array(100).fill(3)));
    const e = failure(() => parseIdx(gz.subarray(0, 20), { source: 'bad.gz' }));
    expect(e.message).toMatch(/^bad\.gz: expected a complete gzip stream, received a damaged one/);
  });
});

// ---------------------------------------------------------------------------------------------
// NPY, written by hand the way numpy's format.py writes it.

function npyBytes(descr: string, shape: number[], body: Uint8Array, options: { version?: 1 | 2 | 3; fortran?: boolean } = {}): Uint8Array {
  const version = options.version ?? 1;
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
  const preamble = version === 1 ? 10 : 12;
  const total = preamble + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(preamble + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), preamble);
  out.set(body, preamble + header.length);
  return out;
}

const le = (Array: { new (xs: number[]): ArrayBufferView }, xs: number[]) => {
  const a = new Array(xs);
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};
const f32 = (xs: number[]) => le(Float32Array as never, xs);
const f64 = (xs: number[]) => le(Float64Array as never, xs);
const i32 = (xs: number[]) => le(Int32Array as never, xs);
const i16 = (xs: number[]) => le(Int16Array as never, xs);
const i64 = (xs: number[]) => {
  const a = BigInt64Array.from(xs.map((x) => BigInt(x)));
  return new Uint8Array(a.buffer);
};

describe('NPY reader', () => {
  it('round-trips every supported dtype', () => {
    const cases: Array<[string, Uint8Array, string, number[]]> = [
      ['<f4', f32([1.5, -2, 3.25, 0, 1e-3, 7]), 'float32', [1.5, -2, 3.25, 0, Math.fround(1e-3), 7]],
      ['<f8', f64([0.1, -2, 1e30, 0, 5, 6]), 'float32', [Math.fround(0.1), -2, Math.fround(1e30), 0, 5, 6]],
      ['<i4', i32([1, -2, 2147483647, -2147483648, 0, 9]), 'int32', [1, -2, 2147483647, -2147483648, 0, 9]],
      ['<i8', i64([1, -2, 2147483647, -2147483648, 0, 9]), 'int32', [1, -2, 2147483647, -2147483648, 0, 9]],
      ['<i2', i16([1, -2, 32767, -32768, 0, 9]), 'int32', [1, -2, 32767, -32768, 0, 9]],
      ['|u1', Uint8Array.from([0, 1, 2, 128, 255, 9]), 'uint8', [0, 1, 2, 128, 255, 9]],
      ['|b1', Uint8Array.from([1, 0, 0, 1, 1, 0]), 'uint8', [1, 0, 0, 1, 1, 0]],
    ];
    for (const [descr, body, dtype, values] of cases) {
      const path = file(`a${descr.slice(1)}.npy`, npyBytes(descr, [2, 3], body));
      const t = readNpy(path);
      expect([descr, t.dtype, t.shape, Array.from(t.data)]).toEqual([descr, dtype, [2, 3], values]);
    }
  });

  it('reads format versions 2 and 3, 1-d and scalar shapes, and big-endian data', () => {
    expect(Array.from(parseNpy(npyBytes('<f4', [2], f32([1, 2]), { version: 2 })).data)).toEqual([1, 2]);
    const v3 = parseNpy(npyBytes('<i4', [1, 1, 2], i32([4, 5]), { version: 3 }));
    expect([v3.shape, Array.from(v3.data)]).toEqual([[1, 1, 2], [4, 5]]);
    expect(parseNpy(npyBytes('<f4', [], f32([9]))).shape).toEqual([]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat64(0, -1.25, false);
    expect(Array.from(parseNpy(npyBytes('>f8', [1], be)).data)).toEqual([-1.25]);
  });

  it('rejects a wrong magic string', () => {
    const path = file('bad.npy', new TextEncoder().encode('hello world, not numpy'));
    const e = failure(() => readNpy(path));
    expect(e.message).toBe(`${path}, byte 0: expected the NPY magic string \\x93NUMPY (93 4e 55 4d 50 59), received 68 65 6c 6c 6f 20. This is not a .npy file`);
  });

  it('rejects an unsupported dtype, naming the supported ones', () => {
    const e = failure(() => parseNpy(npyBytes('<c16', [1], new Uint8Array(16)), { source: 'c.npy' }));
    expect(e.message).toBe('c.npy, byte 10: expected an NPY dtype <f4, <f8, <i4, <i8, <i2, |i1, |u1 or |b1, received "<c16". Convert it first, for example arr.astype(np.float32)');
    const u4 = failure(() => parseNpy(npyBytes('<u4', [1], new Uint8Array(4)), { source: 'u.npy' }));
    expect(u4.expected).toMatch(/NPY dtype/);
    expect(u4.received).toBe('"<u4"');
  });

  it('rejects Fortran order', () => {
    const e = failure(() => parseNpy(npyBytes('<f4', [2, 2], f32([1, 2, 3, 4]), { fortran: true }), { source: 'f.npy' }));
    expect(e.message).toBe("f.npy, byte 10: expected a C-order array ('fortran_order': False), received 'fortran_order': True. Save it with np.save(path, np.ascontiguousarray(arr))");
  });

  it('rejects a truncated body and a truncated header', () => {
    const full = npyBytes('<f4', [10, 3], f32(Array.from({ length: 30 }, (_, i) => i)));
    const headerEnd = full.length - 120; // 128: numpy pads the header to a multiple of 64
    expect(headerEnd).toBe(128);
    const path = file('cut.npy', full.subarray(0, full.length - 7));
    const e = failure(() => readNpy(path));
    expect(e.message).toBe(`${path}, byte 241: expected 120 data bytes after the 128-byte header (shape (10, 3) of <f4), received 113 bytes. The file is truncated`);
    const h = failure(() => parseNpy(full.subarray(0, 30), { source: 'h.npy' }));
    expect(h.message).toBe('h.npy, byte 30: expected a 118-byte header ending at byte 128, received 30 bytes (the file is truncated)');
  });

  it('rejects int64 and float64 values that do not fit', () => {
    const e = failure(() => parseNpy(npyBytes('<i8', [3], i64([1, 2, 2 ** 40])), { source: 'i.npy' }));
    expect(e.message).toBe('i.npy, byte 144: expected <i8 values that fit in int32 [-2147483648, 2147483647], received 1099511627776 at element 2');
    const neg = failure(() => parseNpy(npyBytes('<i8', [1], i64([-(2 ** 31) - 1])), { source: 'n.npy' }));
    expect(neg.received).toBe('-2147483649 at element 0');
    const f = failure(() => parseNpy(npyBytes('<f8', [2], f64([1, -1e39])), { source: 'f.npy' }));
    expect(f.message).toBe('f.npy, byte 136: expected <f8 values that fit in float32 (|x| <= 3.4028235e38), received -1e+39 at element 1');
    // Infinities and NaN are values, not overflow.
    expect(Array.from(parseNpy(npyBytes('<f8', [2], f64([Infinity, NaN]))).data)).toEqual([Infinity, NaN]);
  });

  it('rejects a damaged header', () => {
    const bytes = npyBytes('<f4', [1], f32([1]));
    const text = Buffer.from(bytes).toString('latin1');
    const damaged = new Uint8Array(Buffer.from(text.replace("'shape': (1,)", "'shape': [1x]"), 'latin1'));
    const e = failure(() => parseNpy(damaged, { source: 'd.npy' }));
    expect(e.message).toMatch(/^d\.npy, byte \d+: expected ',' or '\]' in the NPY header, received "x\]/);
  });
});

// ---------------------------------------------------------------------------------------------
// NPZ: zips built by hand (stored and deflated), plus two archives written by numpy 2.4.

function zipBytes(members: Array<{ name: string; data: Uint8Array; deflate?: boolean }>): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const crc = crc32(m.data);
    const local = new Uint8Array(30 + name.length + body.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, m.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, m.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(body, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, m.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, m.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const dirSize = centrals.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + dirSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
// np.savez(f, x=np.array([[1.5, 2.5], [3.5, 4.5]], np.float32), y=np.array([3, -1], np.int64)):
// stored members with ZIP64 local headers, as numpy writes them.
const NUMPY_SAVEZ =
  'UEsDBC0AAAAAAAAAIQAIGKo2//////////8FABQAeC5ucHkBABAAkAAAAAAAAACQAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAADAPwAAIEAAAGBAAACQQFBLAwQtAAAAAAAAACEAZ97/aP//////////BQAUAHkubnB5AQAQAJAAAAAAAAAAkAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgMAAAAAAAAA//////////9QSwECLQMtAAAAAAAAACEACBiqNpAAAACQAAAABQAAAAAAAAAAAAAAgAEAAAAAeC5ucHlQSwECLQMtAAAAAAAAACEAZ97/aJAAAACQAAAABQAAAAAAAAAAAAAAgAHHAAAAeS5ucHlQSwUGAAAAAAIAAgBmAAAAjgEAAAAA';
// np.savez_compressed(f, x=np.arange(6, dtype=np.float64).reshape(2, 3) / 4, y=np.array([True, False, True])).
const NUMPY_SAVEZ_COMPRESSED =
  'UEsDBC0AAAAIAAAAIQA0MXjI//////////8FABQAeC5ucHkBABAAsAAAAAAAAABXAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYUcMEeQj+A0i+g9Aco/cUeAFBLAwQtAAAACAAAACEAFpOMu///////////BQAUAHkubnB5AQAQAIMAAAAAAAAARwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBek2SorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuRgZGAFBLAQItAy0AAAAIAAAAIQA0MXjIVwAAALAAAAAFAAAAAAAAAAAAAACAAQAAAAB4Lm5weVBLAQItAy0AAAAIAAAAIQAWk4y7RwAAAIMAAAAFAAAAAAAAAAAAAACAAY4AAAB5Lm5weVBLBQYAAAAAAgACAGYAAAAMAQAAAAA=';

describe('NPZ reader', () => {
  it('computes the zip CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips stored and deflated members, keyed without .npy', () => {
    const x = npyBytes('<f4', [2, 2], f32([1, 2, 3, 4]));
    const y = npyBytes('<i8', [2], i64([7, -7]));
    const path = file(
      'arrays.npz',
      zipBytes([
        { name: 'x_train.npy', data: x },
        { name: 'y_train.npy', data: y, deflate: true },
        { name: 'README.txt', data: new TextEncoder().encode('not an array') },
      ]),
    );
    const npz = readNpz(path);
    expect(Object.keys(npz).sort()).toEqual(['x_train', 'y_train']);
    expect([npz['x_train']!.shape, Array.from(npz['x_train']!.data)]).toEqual([[2, 2], [1, 2, 3, 4]]);
    expect([npz['y_train']!.dtype, Array.from(npz['y_train']!.data)]).toEqual(['int32', [7, -7]]);
  });

  it('reads archives written by numpy (np.savez and np.savez_compressed, ZIP64 local headers)', () => {
    const a = parseNpz(fromBase64(NUMPY_SAVEZ));
    expect([a['x']!.dtype, a['x']!.shape, Array.from(a['x']!.data)]).toEqual(['float32', [2, 2], [1.5, 2.5, 3.5, 4.5]]);
    expect([a['y']!.dtype, Array.from(a['y']!.data)]).toEqual(['int32', [3, -1]]);
    const b = parseNpz(fromBase64(NUMPY_SAVEZ_COMPRESSED));
    expect([b['x']!.shape, Array.from(b['x']!.data)]).toEqual([[2, 3], [0, 0.25, 0.5, 0.75, 1, 1.25]]);
    expect([b['y']!.dtype, Array.from(b['y']!.data)]).toEqual(['uint8', [1, 0, 1]]);
  });

  it('rejects a file that is not a zip', () => {
    const path = file('plain.npz', npyBytes('<f4', [1], f32([1])));
    const e = failure(() => readNpz(path));
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, byte \\d+: expected a zip end-of-central-directory record \\(signature 50 4b 05 06\\), received no zip structure \\(132 bytes, starting 93 4e 55 4d\\)\\. This is not an \\.npz \\(zip\\) file$`));
  });

  it('rejects a truncated archive', () => {
    const zip = fromBase64(NUMPY_SAVEZ);
    const e = failure(() => parseNpz(zip.subarray(0, 300), { source: 'cut.npz' }));
    expect(e.message).toBe('cut.npz, byte 278: expected a zip end-of-central-directory record (signature 50 4b 05 06), received none: the zip file is truncated');
  });

  it('rejects a damaged member (CRC) and names it', () => {
    const zip = zipBytes([{ name: 'x.npy', data: npyBytes('<f4', [2], f32([1, 2])) }]);
    zip[30 + 5 + 64] = zip[30 + 5 + 64]! ^ 0xff; // a byte inside the member
    const e = failure(() => parseNpz(zip, { source: 'crc.npz' }));
    expect(e.message).toMatch(/^crc\.npz, member "x\.npy", byte 0: expected CRC-32 0x[0-9a-f]{8}, received 0x[0-9a-f]{8} \(the member is damaged\)$/);
  });

  it('passes member errors through with the member named in the source', () => {
    const zip = zipBytes([{ name: 'w.npy', data: npyBytes('<f4', [2, 2], f32([1, 2, 3, 4]), { fortran: true }) }]);
    const e = failure(() => parseNpz(zip, { source: 'm.npz' }));
    expect(e.file).toBe('m.npz:w.npy');
    expect(e.message).toMatch(/^m\.npz:w\.npy, byte 10: expected a C-order array/);
  });
});

// ---------------------------------------------------------------------------------------------
// CSV

describe('CSV reader', () => {
  it('reads a header, numeric features and string labels mapped to classes', () => {
    const path = file(
      'flowers.csv',
      ['sepal_length,sepal_width,species', '5.1,3.5,setosa', '7.0,3.2,versicolor', '6.3,3.3,virginica', '4.9,3.0,setosa', ''].join('\n'),
    );
    const t = readCsv(path, { label: 'species' });
    expect(t.rows).toBe(4);
    expect(t.featureNames).toEqual(['sepal_length', 'sepal_width']);
    expect(t.features.shape).toEqual([4, 2]);
    expect(Array.from(t.features.data)).toEqual([5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0].map(Math.fround));
    expect(t.labelName).toBe('species');
    expect(t.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(t.labels!.dtype).toBe('int32');
    expect(Array.from(t.labels!.data)).toEqual([0, 1, 2, 0]);
  });

  it('handles quoted fields, CRLF, a BOM, blank lines and a fixed class list', () => {
    const text = '\ufeffid,"note, with comma",label\r\n1,"say ""hi""\nover two lines",b\r\n\r\n2,"3",a\r\n';
    const records = parseCsvRecords(text);
    expect(records.map((r) => r.fields)).toEqual([
      ['id', 'note, with comma', 'label'],
      ['1', 'say "hi"\nover two lines', 'b'],
      ['2', '3', 'a'],
    ]);
    expect(records.map((r) => [r.row, r.line])).toEqual([[1, 1], [2, 2], [3, 5]]);
    const t = parseCsv(text, { label: -1, ignore: ['note, with comma'], classes: ['b', 'a'] });
    expect(Array.from(t.features.data)).toEqual([1, 2]);
    expect(Array.from(t.labels!.data)).toEqual([0, 1]);
    expect(t.classNames).toEqual(['b', 'a']);
  });

  it('keeps integer labels as int32 and other numeric labels as float32; no label means all features', () => {
    expect(parseCsv('a,y\n1,0\n2,3\n', { label: 'y' }).labels).toEqual({ shape: [2], dtype: 'int32', data: Int32Array.from([0, 3]) });
    const reg = parseCsv('a,y\n1,0.5\n2,1e2\n', { label: 1 });
    expect([reg.labels!.dtype, Array.from(reg.labels!.data)]).toEqual(['float32', [0.5, 100]]);
    const all = parseCsv('0.5,-1,inf\n2,nan,3\n', { header: false });
    expect(all.featureNames).toEqual(['0', '1', '2']);
    expect(Array.from(all.features.data)).toEqual([0.5, -1, Infinity, 2, NaN, 3]);
    expect(all.labels).toBeUndefined();
  });

  it('rejects a ragged row, naming the row', () => {
    const path = file('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
    const e = failure(() => readCsv(path));
    expect(e.message).toBe(`${path}, row 3: expected 3 fields (as many as the header has), received 2. The row is ragged`);
    expect(e.where).toMatchObject({ row: 3 });
  });

  it('rejects a bad value, naming the row and the column', () => {
    const e = failure(() => parseCsv('x,y,label\n1,2,a\n3,oops,b\n', { label: 'label', source: 'v.csv' }));
    expect(e.message).toBe('v.csv, row 3, column "y" (2): expected a number, received "oops"');
    const empty = failure(() => parseCsv('x,y\n1,2\n3,\n', { source: 'e.csv' }));
    expect(empty.message).toBe(`e.csv, row 3, column "y" (2): expected a number, received an empty field. Pass missing: 'nan' to read empty fields as NaN`);
    expect(Array.from(parseCsv('x,y\n1,2\n3,\n', { missing: 'nan' }).features.data)).toEqual([1, 2, 3, NaN]);
  });

  it('rejects a text feature column and an unknown label column', () => {
    const e = failure(() => parseCsv('name,x\nann,1\n', { source: 't.csv' }));
    expect(e.message).toBe('t.csv, row 2, column "name" (1): expected a number in a feature column, received "ann". The column holds text: choose it as the label column or leave it out with ignore: ["name"]');
    const l = failure(() => parseCsv('a,b\n1,2\n', { label: 'c', source: 'l.csv' }));
    expect(l.message).toBe('l.csv, row 1: expected a label column named one of "a", "b", received "c"');
    const cls = failure(() => parseCsv('a,b\n1,x\n2,z\n', { label: 'b', classes: ['x', 'y'], source: 'k.csv' }));
    expect(cls.message).toBe('k.csv, row 3, column "b" (2): expected a label among "x", "y", received "z"');
  });

  it('rejects an unterminated quote, naming where it opened', () => {
    const e = failure(() => parseCsv('a,b\n1,"open\n2,3\n', { source: 'q.csv' }));
    expect(e.message).toBe('q.csv, row 2, column 2: expected a closing quote for the quoted field that opens here, received the end of the file');
  });
});
