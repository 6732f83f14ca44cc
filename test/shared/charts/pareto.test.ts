import { describe, expect, it } from 'vitest';
import { paretoFront } from '../../../shared/charts/index.js';

describe('the Pareto front', () => {
  it('keeps the runs no other run beats on both accuracy (higher) and parameters (lower)', () => {
    const runs = [
      { x: 50_000, y: 0.97 }, // front
      { x: 10_000, y: 0.9 }, // front: smallest
      { x: 60_000, y: 0.95 }, // beaten by the first
      { x: 200_000, y: 0.99 }, // front: most accurate
      { x: 20_000, y: 0.89 }, // beaten by the second
    ];
    expect(paretoFront(runs, { x: 'min', y: 'max' })).toEqual([1, 0, 3]);
  });

  it('leaves out points without a finite score, and keeps exact ties', () => {
    const points = [
      { x: 1, y: NaN },
      { x: 2, y: 5 },
      { x: 2, y: 5 },
      { x: 3, y: 4 },
    ];
    expect(paretoFront(points, { x: 'min', y: 'max' })).toEqual([1, 2]);
  });

  it('follows the direction of each axis', () => {
    const points = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
    ];
    expect(paretoFront(points, { x: 'min', y: 'min' })).toEqual([0]);
    expect(paretoFront(points, { x: 'max', y: 'max' })).toEqual([1]);
    expect(paretoFront(points, { x: 'min', y: 'max' })).toEqual([0, 1]);
  });
});
