/**
 * Zip archives (`.keras` files) read without trusting them. The central directory is checked
 * against the file's bounds before anything is taken from it; a member is inflated only when
 * asked for, and only if its declared size is one deflate could produce from its compressed
 * bytes and within the memory budget (so a member claiming gigabytes is refused before any
 * are set aside); every member read passes its CRC-32 check, as in Python's zipfile and so in
 * Keras. Member names are only compared, never used as paths: nothing is ever extracted.
 */
import { inflateSync } from 'fflate';
import { ValueError } from '../graph/errors.js';
import { memoryBudget } from './limits.js';

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** Fixed sizes of the records, before their variable-length names and fields. */
const END_SIZE = 22;
const ZIP64_END_SIZE = 56;
const ENTRY_SIZE = 46;
const LOCAL_SIZE = 30;
/** A deflate stream spends at least two bits on a 258-byte match, so it never expands more than 1032 times. */
const MAX_DEFLATE_RATIO = 1032;
const STORED = 0;
const DEFLATED = 8;

interface Member {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  headerOffset: number;
}

export interface ZipArchive {
  /** Every member's name, in directory order. */
  names: string[];
  /** The member's bytes, checked; null when the archive has no member of that name. */
  read(name: string): Uint8Array | null;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    private readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  damaged(what: string): ValueError {
    return new ValueError(`${this.where} is not a readable .keras archive: the zip is damaged or truncated (${what}).`);
  }

  /** Checks that `length` bytes from `at` lie inside the file before they are read. */
  need(at: number, length: number, what: string): void {
    if (!(at >= 0 && at + length <= this.bytes.length)) throw this.damaged(`${what} lies outside the file's ${this.bytes.length} bytes`);
  }

  u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  u64(at: number): number {
    return Number(this.view.getBigUint64(at, true));
  }
}

/** Where the central directory lies and how many entries it holds (from the zip64 record when there is one). */
function directoryBounds(r: Reader): { count: number; start: number; end: number } {
  const last = r.bytes.length - END_SIZE;
  let end = -1;
  // The end record is followed only by a comment of at most 65535 bytes.
  for (let at = last; at >= Math.max(0, last - 0xffff); at--) {
    if (r.u32(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw r.damaged('it has no end-of-directory record');
  let count = r.u16(end + 10);
  let size = r.u32(end + 12);
  let start = r.u32(end + 16);
  if (end >= 20 && r.u32(end - 20) === ZIP64_LOCATOR) {
    const record = r.u64(end - 12);
    r.need(record, ZIP64_END_SIZE, 'the zip64 directory record');
    if (r.u32(record) !== ZIP64_END_OF_DIRECTORY) throw r.damaged('the zip64 directory record is missing');
    count = r.u64(record + 32);
    size = r.u64(record + 40);
    start = r.u64(record + 48);
  }
  r.need(start, size, 'the central directory');
  // Each entry takes at least ENTRY_SIZE bytes: a count the directory cannot hold is a lie, not a loop to run.
  if (count * ENTRY_SIZE > size) throw r.damaged(`its directory of ${size} bytes cannot hold the ${count} members it lists`);
  return { count, start, end: start + size };
}

/** Sizes and offset that did not fit in 32 bits are in the zip64 extra field, in this order. */
function zip64Sizes(r: Reader, extra: number, extraEnd: number, member: Member, name: string): void {
  const wide = [member.size, member.compressedSize, member.headerOffset].map((v) => v === 0xffffffff);
  if (!wide.some(Boolean)) return;
  for (let at = extra; at + 4 <= extraEnd; at += 4 + r.u16(at + 2)) {
    if (r.u16(at) !== 0x0001) continue;
    let field = at + 4;
    const next = () => {
      if (field + 8 > extraEnd) throw r.damaged(`member ${name}'s zip64 field is cut short`);
      const value = r.u64(field);
      field += 8;
      return value;
    };
    if (wide[0]) member.size = next();
    if (wide[1]) member.compressedSize = next();
    if (wide[2]) member.headerOffset = next();
    return;
  }
  throw r.damaged(`member ${name} declares zip64 sizes but has no zip64 field`);
}

function directory(r: Reader): Member[] {
  const { count, start, end } = directoryBounds(r);
  const members: Member[] = [];
  const decoder = new TextDecoder();
  for (let i = 0, at = start; i < count; i++) {
    if (at + ENTRY_SIZE > end || r.u32(at) !== DIRECTORY_ENTRY) throw r.damaged(`directory entry ${i} is not where the directory says`);
    const nameEnd = at + ENTRY_SIZE + r.u16(at + 28);
    const extraEnd = nameEnd + r.u16(at + 30);
    const next = extraEnd + r.u16(at + 32);
    if (next > end) throw r.damaged(`directory entry ${i} runs past the directory's end`);
    const name = decoder.decode(r.bytes.subarray(at + ENTRY_SIZE, nameEnd));
    const member: Member = {
      name,
      flags: r.u16(at + 8),
      method: r.u16(at + 10),
      crc: r.u32(at + 16),
      compressedSize: r.u32(at + 20),
      size: r.u32(at + 24),
      headerOffset: r.u32(at + 42),
    };
    zip64Sizes(r, nameEnd, extraEnd, member, name);
    members.push(member);
    at = next;
  }
  return members;
}

function memberData(r: Reader, m: Member, where: string): Uint8Array {
  const at = m.headerOffset;
  r.need(at, LOCAL_SIZE, `member ${m.name}'s header`);
  if (r.u32(at) !== LOCAL_HEADER) throw r.damaged(`member ${m.name} is not where the directory says`);
  const start = at + LOCAL_SIZE + r.u16(at + 26) + r.u16(at + 28);
  r.need(start, m.compressedSize, `member ${m.name}'s ${m.compressedSize} bytes`);
  if (m.flags & 1) throw new ValueError(`${where}: member ${m.name} is encrypted; a .keras archive never is.`);
  if (m.size > memoryBudget()) {
    throw new ValueError(`${where}: member ${m.name} declares ${m.size} bytes, more than a model file may take here (half of this machine's memory).`);
  }
  const raw = r.bytes.subarray(start, start + m.compressedSize);
  let data: Uint8Array;
  if (m.method === STORED) {
    if (m.size !== m.compressedSize) throw r.damaged(`member ${m.name} is stored as ${m.compressedSize} bytes but declares ${m.size}`);
    data = raw;
  } else if (m.method === DEFLATED) {
    if (m.size > m.compressedSize * MAX_DEFLATE_RATIO) {
      throw new ValueError(
        `${where}: member ${m.name} declares ${m.size} bytes from ${m.compressedSize} compressed ones, more than deflate can produce; the archive is damaged or built to exhaust memory.`,
      );
    }
    try {
      data = inflateSync(raw, { out: new Uint8Array(m.size) });
    } catch (e) {
      throw r.damaged(`member ${m.name} does not inflate: ${(e as Error).message}`);
    }
    if (data.length !== m.size) throw r.damaged(`member ${m.name} inflates to ${data.length} bytes, not the ${m.size} it declares`);
  } else {
    throw new ValueError(`${where}: member ${m.name} is compressed with method ${m.method}; .keras archives are stored or deflated.`);
  }
  if (crc32(data) !== m.crc) throw r.damaged(`member ${m.name} fails its CRC-32 check`);
  return data;
}

/** Opens `bytes` as a zip archive; `where` names the file in errors. */
export function openZip(bytes: Uint8Array, where: string): ZipArchive {
  const r = new Reader(bytes, where);
  if (bytes.length < END_SIZE) throw r.damaged(`it has ${bytes.length} bytes, fewer than an empty zip`);
  const members = directory(r);
  return {
    names: members.map((m) => m.name),
    read(name) {
      const matches = members.filter((m) => m.name === name);
      if (matches.length > 1) throw new ValueError(`${where} holds ${matches.length} members named ${name}; a .keras archive has one.`);
      return matches[0] ? memberData(r, matches[0], where) : null;
    },
  };
}
