/**
 * Writes a float32 or int32 array as a NumPy `.npy` file (format 1.0, C order), the format
 * readers/npy.ts reads: "\x93NUMPY", version, header length, a Python dict header padded
 * with spaces to a multiple of 64 bytes, then the data.
 */
import type { HostTensor } from '../host-tensor.js';

export function encodeNpy(tensor: Pick<HostTensor<'float32' | 'int32'>, 'shape' | 'data'>): Uint8Array {
  const descr = tensor.data instanceof Int32Array ? '<i4' : '<f4';
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  header = header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1) + '\n';
  const out = new Uint8Array(prefix + header.length + tensor.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), prefix + header.length);
  return out;
}
