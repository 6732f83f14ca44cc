/**
 * Small generated datasets for tests and demos, the same every time for a given seed:
 *
 * | name      | features     | classes | what |
 * |-----------|--------------|---------|------|
 * | `xor`     | `x` [n, 2]   | 2 | points uniform in [-1, 1]²; class 1 where the signs of x₀ and x₁ differ |
 * | `spirals` | `x` [n, 2]   | `classes` (2) | interleaved spiral arms (noise on the angle) |
 * | `blobs`   | `x` [n, 2]   | `classes` (3) | Gaussian blobs centred on a circle of radius 3 |
 * | `circles` | `x` [n, 2]   | 2 | class 0 on the unit circle, class 1 on a circle of radius 0.5 |
 *
 * Targets are `y`, int32 class indices. Classes are balanced (sample i has class i mod k
 * before the rows are shuffled). `noise` is the standard deviation of Gaussian noise: on
 * each coordinate (xor, blobs, circles) or on the spiral angle.
 */
import { makeDataset, type Dataset, type DatasetSplit } from './dataset.js';
import { Random } from '../tensor/random.js';

export const TOY_DATASETS = ['xor', 'spirals', 'blobs', 'circles'] as const;
export type ToyName = (typeof TOY_DATASETS)[number];

export interface ToyOptions {
  /** Training samples (default 256). */
  samples?: number;
  /** Test samples (default 64). */
  testSamples?: number;
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Noise standard deviation (defaults: xor 0, spirals 0.2, blobs 0.5, circles 0.05). */
  noise?: number;
  /** Number of classes, for `spirals` (default 2) and `blobs` (default 3). */
  classes?: number;
}

const DEFAULT_NOISE: Record<ToyName, number> = { xor: 0, spirals: 0.2, blobs: 0.5, circles: 0.05 };

type Generator = (rng: Random, cls: number, k: number, noise: number) => [number, number];

const GENERATORS: Record<ToyName, Generator> = {
  xor(rng, cls, _k, noise) {
    // Pick a quadrant of the right class, then a point in it.
    const sx = rng.next() < 0.5 ? 1 : -1;
    const sy = cls === 1 ? -sx : sx;
    return [sx * rng.next() + rng.normal(0, noise), sy * rng.next() + rng.normal(0, noise)];
  },
  spirals(rng, cls, k, noise) {
    const r = rng.next();
    const t = (cls * 2 * Math.PI) / k + 4 * r + rng.normal(0, noise);
    return [r * Math.sin(t), r * Math.cos(t)];
  },
  blobs(rng, cls, k, noise) {
    const angle = (2 * Math.PI * cls) / k;
    return [3 * Math.cos(angle) + rng.normal(0, noise), 3 * Math.sin(angle) + rng.normal(0, noise)];
  },
  circles(rng, cls, _k, noise) {
    const radius = cls === 0 ? 1 : 0.5;
    const angle = 2 * Math.PI * rng.next();
    return [radius * Math.cos(angle) + rng.normal(0, noise), radius * Math.sin(angle) + rng.normal(0, noise)];
  },
};

function count(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`toy: expected ${what} to be a non-negative integer, received ${n}`);
  return n;
}

/** A small generated dataset with `train` and `test` splits (see the table above). */
export function toy(name: ToyName, options: ToyOptions = {}): Dataset<'train' | 'test'> {
  const generate = GENERATORS[name as ToyName];
  if (!generate) throw new RangeError(`toy: expected a dataset named one of ${TOY_DATASETS.map((t) => `'${t}'`).join(', ')}, received '${name}'`);
  const train = count(options.samples, 256, 'samples');
  const test = count(options.testSamples, 64, 'testSamples');
  const k = name === 'spirals' || name === 'blobs' ? count(options.classes, name === 'spirals' ? 2 : 3, 'classes') : 2;
  if (k < 2) throw new RangeError(`toy: expected at least 2 classes, received ${k}`);
  const noise = options.noise ?? DEFAULT_NOISE[name];
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  const total = train + test;
  const x = new Float32Array(total * 2);
  const y = new Int32Array(total);
  const order = rng.permutation(total);
  for (let i = 0; i < total; i++) {
    const cls = i % k;
    const [a, b] = generate(rng, cls, k, noise);
    const row = order[i]!;
    x[2 * row] = a;
    x[2 * row + 1] = b;
    y[row] = cls;
  }
  const split = (start: number, end: number): DatasetSplit => ({
    features: { x: { shape: [end - start, 2], dtype: 'float32', data: x.slice(2 * start, 2 * end) } },
    targets: { y: { shape: [end - start], dtype: 'int32', data: y.slice(start, end) } },
  });
  return makeDataset(
    {
      name: `toy_${name}`,
      description: `Generated ${name} dataset (seed ${seed}, noise ${noise}, ${k} classes): ${train} train, ${test} test samples of 2 features.`,
      classNames: Array.from({ length: k }, (_, i) => `${i}`),
      source: 'generated',
    },
    { train: split(0, train), test: split(train, total) },
  );
}
