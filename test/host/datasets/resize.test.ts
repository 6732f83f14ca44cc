import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../../electron/host/datasets/resize.js';

describe('resizeBilinear', () => {
  it('keeps an image of the same size as it is', () => {
    const image = [1, 2, 3, 4, 5, 6];
    expect(Array.from(resizeBilinear(image, { height: 2, width: 3 }, { height: 2, width: 3 }, 1))).toEqual(image);
  });

  it('keeps a constant image constant at any size', () => {
    const out = resizeBilinear(new Array(5 * 7 * 3).fill(200), { height: 5, width: 7 }, { height: 3, width: 11 }, 3);
    expect(out).toHaveLength(3 * 11 * 3);
    expect(out.every((v) => Math.abs(v - 200) < 1e-4)).toBe(true);
  });

  it('halves by averaging each 2×2 block, channel by channel', () => {
    // Two channels: the first counts up, the second is ten times the first.
    const source = [1, 10, 3, 30, 5, 50, 7, 70];
    expect(Array.from(resizeBilinear(source, { height: 2, width: 2 }, { height: 1, width: 1 }, 2))).toEqual([4, 40]);
  });

  it('doubles a two-pixel row into a ramp that keeps the end values', () => {
    expect(Array.from(resizeBilinear([0, 100], { height: 1, width: 2 }, { height: 1, width: 4 }, 1))).toEqual([0, 25, 75, 100]);
  });

  it('refuses pixels that do not match the stated size', () => {
    expect(() => resizeBilinear([1, 2, 3], { height: 2, width: 2 }, { height: 1, width: 1 }, 1)).toThrow(/expected 2×2×1 = 4 values, received 3/);
  });
});
