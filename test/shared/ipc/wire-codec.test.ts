import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../../shared/ipc/index.js';

describe('the serve bridge wire codec', () => {
  it('sends plain messages as JSON text', () => {
    const message = { type: 'reply', id: 3, ok: true, value: { a: [1, 2] } };
    const frame = encodeWire(message);
    expect(typeof frame).toBe('string');
    expect(decodeWire(frame)).toEqual(message);
  });

  it('sends typed arrays as their bytes in one binary frame, never as JSON numbers', () => {
    const pixels = Uint8Array.from([0, 255, 7]);
    const series = Float64Array.from([0.5, Math.PI, -1e300]);
    const counts = Int32Array.from([1, -2, 3, 4]);
    const message = { type: 'event', payload: { pixels, nested: [{ series }], counts, f: new Float32Array([1.5]) } };
    const frame = encodeWire(message);
    expect(frame).toBeInstanceOf(Uint8Array);
    const header = new TextDecoder().decode((frame as Uint8Array).subarray(8, 8 + new DataView((frame as Uint8Array).buffer).getUint32(4, true)));
    expect(header).not.toContain('3.14159');
    const back = decodeWire(frame) as typeof message;
    expect(back.payload.pixels).toEqual(pixels);
    expect(back.payload.nested[0]!.series).toEqual(series);
    expect(back.payload.counts).toEqual(counts);
    expect(back.payload.f).toEqual(new Float32Array([1.5]));
  });

  it('keeps arrays that are views into a larger buffer to their own elements', () => {
    const big = new Float64Array([9, 1, 2, 9]);
    const back = decodeWire(encodeWire({ v: big.subarray(1, 3) })) as { v: Float64Array };
    expect(Array.from(back.v)).toEqual([1, 2]);
  });

  it('refuses frames that lie about their contents', () => {
    const frame = encodeWire({ v: new Float64Array(4) }) as Uint8Array;
    expect(() => decodeWire(frame.subarray(0, frame.length - 8))).toThrow(/runs past its end/);
    const wrong = frame.slice();
    wrong[0] = 0;
    expect(() => decodeWire(wrong)).toThrow(/starts "STRB"/);
    expect(() => decodeWire(new Uint8Array(3))).toThrow(/at least 8 bytes/);
  });
});
