/**
 * PNG and JPEG files as pixels: told apart by their first bytes (not their extension), decoded
 * to 8-bit RGBA, then reduced to the channels a dataset asks for.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

export interface DecodedImage {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Row-major, channels last, 0..255. */
  pixels: Float32Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Large enough for photos, small enough that one bad file cannot take the host's memory. */
const MAX_MEGAPIXELS = 100;

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

function rgba(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  if (startsWith(bytes, PNG_SIGNATURE)) return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    return decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`expected a PNG or JPEG image, received a file starting with bytes ${head || '(none: the file is empty)'}`);
}

/**
 * The image in `bytes` with `channels` channels: grey is the luminance (ITU-R BT.601 weights),
 * colour drops the alpha channel.
 * @throws Error saying why the bytes are not a readable image (the caller adds the file).
 */
export function decodeImage(bytes: Uint8Array, channels: 1 | 3): DecodedImage {
  const { width, height, data } = rgba(bytes);
  const count = width * height;
  const pixels = new Float32Array(count * channels);
  for (let i = 0; i < count; i++) {
    const r = data[4 * i]!;
    const g = data[4 * i + 1]!;
    const b = data[4 * i + 2]!;
    if (channels === 1) {
      pixels[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      pixels[3 * i] = r;
      pixels[3 * i + 1] = g;
      pixels[3 * i + 2] = b;
    }
  }
  return { height, width, channels, pixels };
}
