/**
 * A small seeded PRNG for everything that must come out the same every time: initial
 * weights, shuffles, toy datasets, the fixed Iris split. mulberry32: 32 bits of state, period
 * 2^32, good enough for shuffling and sampling (not for cryptography).
 *
 * The state is one uint32 (`state`), so a run can save it and resume the exact sequence.
 */
export class Random {
  private s: number;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random: expected a finite seed, received ${seed}`);
    this.s = seed >>> 0;
  }

  /** The whole generator state; `new Random(r.state)` continues the same sequence. */
  get state(): number {
    return this.s;
  }

  set state(value: number) {
    this.s = value >>> 0;
  }

  /** A uniform uint32. */
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`Random.int: expected an integer n in [1, 2^32], received ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A normal sample (Box–Muller). */
  normal(mean = 0, std = 1): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal redrawn until within two standard deviations (Keras' truncated normal). */
  truncatedNormal(): number {
    for (;;) {
      const v = this.normal();
      if (Math.abs(v) <= 2) return v;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0 … n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}

/** A seeded generator (mulberry32). */
export function mulberry32(seed: number): Random {
  return new Random(seed);
}
