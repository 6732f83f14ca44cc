/**
 * NumPy `.npz` archives: a zip file whose members are `.npy` files (`np.savez` stores them,
 * `np.savez_compressed` deflates them). The zip central directory is read here (ZIP64 too:
 * numpy writes every member with ZIP64 local headers), members are inflated with
 * node:zlib and each CRC-32 is checked.
 *
 * The result maps each member's name without `.npy` to its tensor, the way `np.load(path)`
 * keys an NpzFile: `np.savez(f, x=a, y=b)` gives `{ x, y }`. Members that are not `.npy`
 * files (and directory entries) are skipped.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { DataFormatError, quote } from '../errors.js';
import type { HostTensor } from '../host-tensor.js';
import { parseNpy } from './npy.js';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

export interface NpzOptions {
  /** The name errors give the data (default `<bytes>`). */
  source?: string;
}

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** Offset of this entry's central directory record (for messages). */
  recordOffset: number;
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (the zip / gzip polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const table = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`zip: 64-bit size ${value} is too large`);
  return Number(value);
}

/** Lists the members of a zip archive from its central directory. */
export function readZipDirectory(bytes: Uint8Array, options: NpzOptions = {}): ZipEntry[] {
  const file = options.source ?? '<bytes>';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inBounds = (at: number, size: number) => at >= 0 && at + size <= bytes.length;

  // The end-of-central-directory record is the last 22 bytes, unless a comment follows it.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    const magic = bytes.length >= 4 ? view.getUint32(0, true) : -1;
    throw new DataFormatError(
      file,
      { offset: Math.max(0, bytes.length - 22) },
      'a zip end-of-central-directory record (signature 50 4b 05 06)',
      magic === LOCAL_SIGNATURE ? 'none: the zip file is truncated' : `no zip structure (${bytes.length} bytes${bytes.length >= 4 ? `, starting ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}` : ''})`,
      magic === LOCAL_SIGNATURE ? undefined : 'This is not an .npz (zip) file',
    );
  }
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (!inBounds(locator, 20) || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new DataFormatError(file, { offset: Math.max(0, locator) }, 'a ZIP64 end-of-central-directory locator (50 4b 06 07)', 'none');
    }
    const record = u64(view, locator + 8);
    if (!inBounds(record, 56) || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) {
      throw new DataFormatError(file, { offset: record }, 'a ZIP64 end-of-central-directory record (50 4b 06 06)', 'none');
    }
    count = u64(view, record + 32);
    dirSize = u64(view, record + 40);
    dirOffset = u64(view, record + 48);
  }
  if (!inBounds(dirOffset, dirSize)) {
    throw new DataFormatError(file, { offset: eocd }, `a central directory at bytes ${dirOffset}…${dirOffset + dirSize}`, `a ${bytes.length}-byte file (it is truncated)`);
  }

  const entries: ZipEntry[] = [];
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (!inBounds(at, 46) || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new DataFormatError(file, { offset: at }, `central directory record ${i + 1} of ${count} (signature 50 4b 01 02)`, inBounds(at, 4) ? `0x${view.getUint32(at, true).toString(16).padStart(8, '0')}` : 'the end of the file');
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    if (!inBounds(at + 46, nameLength + extraLength + commentLength)) {
      throw new DataFormatError(file, { offset: at }, 'a complete central directory record', 'one cut off by the end of the file');
    }
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extra field (id 1): 8-byte values for whichever 32-bit fields are 0xffffffff, in order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const len = view.getUint16(extra + 2, true);
      if (id === 1) {
        let field = extra + 4;
        const fieldEnd = extra + 4 + len;
        if (size === 0xffffffff && field + 8 <= fieldEnd) {
          size = u64(view, field);
          field += 8;
        }
        if (compressedSize === 0xffffffff && field + 8 <= fieldEnd) {
          compressedSize = u64(view, field);
          field += 8;
        }
        if (localHeaderOffset === 0xffffffff && field + 8 <= fieldEnd) localHeaderOffset = u64(view, field);
      }
      extra += 4 + len;
    }
    entries.push({ name, method, flags, crc32: crc, compressedSize, size, localHeaderOffset, recordOffset: at });
    at = extraEnd + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one member, CRC-checked. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, options: NpzOptions = {}): Uint8Array {
  const file = options.source ?? '<bytes>';
  const where = { detail: `member ${quote(entry.name)}`, offset: entry.localHeaderOffset };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    throw new DataFormatError(file, where, 'a zip local file header (signature 50 4b 03 04)', at + 30 > bytes.length ? 'the end of the file (it is truncated)' : 'other bytes');
  }
  if (entry.flags & 1) throw new DataFormatError(file, where, 'an unencrypted member', 'an encrypted one');
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new DataFormatError(file, { ...where, offset: bytes.length }, `${entry.compressedSize} bytes of member data ending at byte ${end}`, `a ${bytes.length}-byte file (it is truncated)`);
  }
  const raw = bytes.subarray(start, end);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw);
    } catch (error) {
      throw new DataFormatError(file, { ...where, offset: start }, 'a valid deflate stream', `a damaged one (${(error as Error).message})`);
    }
  } else {
    throw new DataFormatError(file, where, 'zip compression method 0 (stored) or 8 (deflate)', `method ${entry.method}`, 'Re-save the archive with np.savez or np.savez_compressed');
  }
  if (data.length !== entry.size) {
    throw new DataFormatError(file, where, `${entry.size} bytes once uncompressed`, `${data.length} bytes`);
  }
  const crc = crc32(data);
  if (crc !== entry.crc32) {
    throw new DataFormatError(file, where, `CRC-32 0x${entry.crc32.toString(16).padStart(8, '0')}`, `0x${crc.toString(16).padStart(8, '0')} (the member is damaged)`);
  }
  return data;
}

/** Parses `.npz` bytes: each `.npy` member becomes a host tensor keyed by its name without `.npy`. */
export function parseNpz(bytes: Uint8Array, options: NpzOptions = {}): Record<string, HostTensor> {
  const file = options.source ?? '<bytes>';
  const out: Record<string, HostTensor> = Object.create(null);
  for (const entry of readZipDirectory(bytes, options)) {
    if (entry.name.endsWith('/') || !entry.name.endsWith('.npy')) continue;
    const data = readZipEntry(bytes, entry, options);
    out[entry.name.slice(0, -4)] = parseNpy(data, { source: `${file}:${entry.name}` });
  }
  return out;
}

/** Reads an `.npz` file. */
export function readNpz(path: string): Record<string, HostTensor> {
  return parseNpz(readFileSync(path), { source: path });
}
