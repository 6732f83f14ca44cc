/**
 * Messages of the serve bridge as WebSocket frames. A message without typed arrays is one JSON
 * text frame. A message with typed arrays (pixels, metric series) is one binary frame: the
 * arrays' bytes travel as they are, and the JSON names each by its place in the frame —
 * the numbers are never spelled out as JSON lists.
 *
 * Binary frame: `STRB` · u32 JSON byte length · JSON (UTF-8) · zero padding to 8 bytes ·
 * each array's bytes, 8-byte aligned. In the JSON an array is `{"$typed": kind, "at": byte
 * offset from the start of the frame, "length": elements}`.
 */

const MAGIC = 0x42525453; // "STRB", little-endian
const KINDS = {
  Uint8Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type Kind = keyof typeof KINDS;
type Typed = InstanceType<(typeof KINDS)[Kind]>;

function kindOf(value: unknown): Kind | null {
  for (const kind of Object.keys(KINDS) as Kind[]) if (value instanceof KINDS[kind]) return kind;
  return null;
}

const align8 = (n: number) => (n + 7) & ~7;

/** A JSON string, or a binary frame when the message holds typed arrays. */
export function encodeWire(message: unknown): string | Uint8Array {
  const arrays: Typed[] = [];
  const json = JSON.stringify(message, (_key, value: unknown) => {
    const kind = kindOf(value);
    if (kind === null) return value;
    arrays.push(value as Typed);
    return { $typed: kind, index: arrays.length - 1 };
  });
  if (arrays.length === 0) return json;

  // The JSON must name byte offsets, which depend on its own length: place the arrays after a
  // header sized for offsets written at their widest.
  let offsets = arrays.map(() => 0);
  let text = '';
  for (let pass = 0; pass < 3; pass++) {
    text = json.replace(/\{"\$typed":"(\w+)","index":(\d+)\}/g, (_m, kind: string, index: string) => {
      const array = arrays[Number(index)]!;
      return `{"$typed":"${kind}","at":${offsets[Number(index)]},"length":${array.length}}`;
    });
    const bytes = new TextEncoder().encode(text).length;
    let cursor = align8(8 + bytes);
    const next = arrays.map((a) => {
      const at = cursor;
      cursor = align8(cursor + a.byteLength);
      return at;
    });
    if (next.every((v, i) => v === offsets[i])) break;
    offsets = next;
  }
  const header = new TextEncoder().encode(text);
  const last = arrays.length - 1;
  const frame = new Uint8Array(align8(offsets[last]! + arrays[last]!.byteLength));
  const view = new DataView(frame.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  frame.set(header, 8);
  arrays.forEach((a, i) => frame.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!));
  return frame;
}

/** The message a frame carries; typed arrays come back as copies aligned for their kind. */
export function decodeWire(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  const frame = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (frame.byteLength < 8) throw new Error(`Expected a Strata binary frame of at least 8 bytes; received ${frame.byteLength}.`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('Expected a Strata binary frame (it starts "STRB"); received other bytes.');
  const length = view.getUint32(4, true);
  if (8 + length > frame.byteLength) throw new Error(`The frame's JSON claims ${length} bytes; only ${frame.byteLength - 8} follow.`);
  const text = new TextDecoder().decode(frame.subarray(8, 8 + length));
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || !('$typed' in value)) return value;
    const { $typed: kind, at, length: count } = value as { $typed: string; at: number; length: number };
    const Type = KINDS[kind as Kind];
    if (!Type || !Number.isInteger(at) || !Number.isInteger(count) || at < 8 + length || count < 0) {
      throw new Error(`The frame names a typed array it does not hold: ${JSON.stringify(value)}.`);
    }
    const bytes = count * Type.BYTES_PER_ELEMENT;
    if (at + bytes > frame.byteLength) throw new Error(`The frame's ${kind} of ${count} elements at byte ${at} runs past its end (${frame.byteLength} bytes).`);
    const copy = new Uint8Array(bytes);
    copy.set(frame.subarray(at, at + bytes));
    return new Type(copy.buffer);
  });
}
