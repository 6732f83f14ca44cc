import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative, nativeAddonPath, type Isa, type NativeEngine } from '../../electron/engine/tensor/native.js';

/**
 * native gemm against a plain triple loop (float64 accumulation), on every ISA path this
 * CPU supports, with 1 and 2 threads.
 *
 * Tolerance: |got - want| <= 1e-5 * sqrt(K) * scale + 1e-30, where scale is the same sum
 * taken over absolute values, |alpha| * sum_k |a_ik b_kj| + |beta c_ij|. Float32 rounding
 * of a K-term dot product grows like sqrt(K) * 6e-8 relative to that scale, so this bound
 * is loose for rounding yet catches any indexing, packing or edge mistake (which is off by
 * a whole term, i.e. O(1) relative to the scale).
 */

const native: NativeEngine = loadNative();
const defaults = native.cpuInfo();
const isas: Isa[] = defaults.supported;

afterAll(() => {
  native.setIsa(defaults.isa);
  native.setThreads(defaults.threads);
});

/** Deterministic values in [-1, 1) (xorshift), so failures reproduce. */
function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

interface Reference {
  want: Float64Array;
  scale: Float64Array;
}

function referenceGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  B: Float32Array,
  beta: number,
  C: Float32Array,
): Reference {
  const want = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i]! : A[i * K + k]!;
        const b = transB ? B[j * K + k]! : B[k * N + j]!;
        sum += a * b;
        abs += Math.abs(a * b);
      }
      const c = beta === 0 ? 0 : beta * C[i * N + j]!;
      want[i * N + j] = alpha * sum + c;
      scale[i * N + j] = Math.abs(alpha) * abs + Math.abs(c);
    }
  }
  return { want, scale };
}

/** First element outside the tolerance, or undefined. */
function firstMismatch(got: Float32Array, ref: Reference, K: number): string | undefined {
  const tol = 1e-5 * Math.sqrt(Math.max(K, 1));
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.want[i]!);
    if (!(err <= tol * ref.scale[i]! + 1e-30)) {
      return `element ${i}: got ${got[i]}, want ${ref.want[i]} (|err| ${err.toExponential(2)} > ${(tol * ref.scale[i]!).toExponential(2)})`;
    }
  }
  return undefined;
}

const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [129, 31, 257],
  // Several K blocks (KC is 256 or 512: beta handled between them), B groups wider than
  // one L2 group (NG 480 on AVX-512), edge tiles on both sides.
  [50, 530, 800],
  [500, 70, 400],
  // N <= 16 takes the narrow AVX-512 tile (28 x 16).
  [70, 10, 300],
  [200, 16, 90],
];
const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe('native gemm', () => {
  beforeAll(() => {
    expect(isas).toContain('portable');
  });

  it('reports the CPU and its kernel paths', () => {
    const info = native.cpuInfo();
    expect(isas).toContain(info.isa);
    expect(info.isa).toBe(isas[0]); // the fastest by default
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.hardwareThreads).toBeGreaterThanOrEqual(1);
  });

  for (const [M, N, K] of SHAPES) {
    for (const [transA, transB] of TRANSPOSES) {
      const name = `${M}x${N}x${K} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
      it(`matches the reference: ${name}, alpha 0.75, beta -0.5, every ISA, 1 and 2 threads`, () => {
        const seed = M * 7 + N * 13 + K * 17 + (transA ? 1 : 0) + (transB ? 2 : 0);
        const A = randomArray(M * K, seed);
        const B = randomArray(K * N, seed + 1);
        const C0 = randomArray(M * N, seed + 2);
        const ref = referenceGemm(transA, transB, M, N, K, 0.75, A, B, -0.5, C0);
        for (const isa of isas) {
          native.setIsa(isa);
          for (const threads of [1, 2]) {
            native.setThreads(threads);
            const C = C0.slice();
            native.gemm(transA, transB, M, N, K, 0.75, A, B, -0.5, C);
            const bad = firstMismatch(C, ref, K);
            expect(bad, `${isa}, ${threads} thread(s), ${name}`).toBeUndefined();
          }
        }
      });
    }
  }

  it('is exact on small integers with alpha 1, beta 0 (2x3 times 3x2)', () => {
    native.setIsa(isas[0]!);
    const A = new Float32Array([1, 2, 3, 4, 5, 6]);
    const B = new Float32Array([7, 8, 9, 10, 11, 12]);
    const C = new Float32Array(4);
    native.gemm(false, false, 2, 2, 3, 1, A, B, 0, C);
    expect([...C]).toEqual([58, 64, 139, 154]);
  });

  for (const isa of isas) {
    describe(`alpha / beta on ${isa}`, () => {
      beforeAll(() => native.setIsa(isa));
      const M = 37;
      const N = 45;
      const K = 29;
      const A = randomArray(M * K, 11);
      const B = randomArray(K * N, 12);

      for (const threads of [1, 2]) {
        it(`beta = 0 overwrites C and ignores NaN/Infinity in it (${threads} thread(s))`, () => {
          native.setThreads(threads);
          const C = new Float32Array(M * N).fill(Number.NaN);
          C[5] = Number.POSITIVE_INFINITY;
          native.gemm(false, false, M, N, K, 1, A, B, 0, C);
          expect(C.some((v) => !Number.isFinite(v))).toBe(false);
          expect(firstMismatch(C, referenceGemm(false, false, M, N, K, 1, A, B, 0, C), K)).toBeUndefined();
        });

        it(`beta = 1 accumulates into C (${threads} thread(s))`, () => {
          native.setThreads(threads);
          const C0 = randomArray(M * N, 13);
          const C = C0.slice();
          native.gemm(true, true, M, N, K, 2, randomArray(K * M, 14), randomArray(N * K, 15), 1, C);
          const ref = referenceGemm(true, true, M, N, K, 2, randomArray(K * M, 14), randomArray(N * K, 15), 1, C0);
          expect(firstMismatch(C, ref, K)).toBeUndefined();
        });
      }

      it('alpha = 0 scales C by beta without touching A and B', () => {
        const C = randomArray(M * N, 16);
        const want = C.map((v) => Math.fround(v * 3));
        native.gemm(false, false, M, N, K, 0, A, B, 3, C);
        expect([...C]).toEqual([...want]);
      });

      it('K = 0 gives C = beta * C (and zeros for beta = 0, even over NaN)', () => {
        const C = randomArray(M * N, 17);
        const want = C.map((v) => Math.fround(v * -2));
        native.gemm(false, false, M, N, 0, 1, new Float32Array(0), new Float32Array(0), -2, C);
        expect([...C]).toEqual([...want]);
        const D = new Float32Array(M * N).fill(Number.NaN);
        native.gemm(false, false, M, N, 0, 1, new Float32Array(0), new Float32Array(0), 0, D);
        expect(D.every((v) => v === 0)).toBe(true);
      });

      it('M = 0 or N = 0 is a no-op', () => {
        expect(() => native.gemm(false, false, 0, N, K, 1, new Float32Array(0), B, 0, new Float32Array(0))).not.toThrow();
        expect(() => native.gemm(false, false, M, 0, K, 1, A, new Float32Array(0), 0, new Float32Array(0))).not.toThrow();
      });

      it('works on subarray views (byte offsets)', () => {
        const bigA = randomArray(M * K + 3, 18);
        const bigB = randomArray(K * N + 5, 19);
        const viewA = bigA.subarray(3);
        const viewB = bigB.subarray(1, 1 + K * N);
        const C = new Float32Array(M * N);
        native.gemm(false, false, M, N, K, 1, viewA, viewB, 0, C);
        expect(firstMismatch(C, referenceGemm(false, false, M, N, K, 1, viewA, viewB, 0, C), K)).toBeUndefined();
      });
    });
  }
});

/**
 * The block loops with tiny cache blocks, in a child process (the blocking and the
 * threading strategy are read from the environment once per process): MC, NC and the L2
 * group NG far below the shapes, so every loop runs several times, on both multithreaded
 * strategies (shared packed panels, or one C slab per thread).
 */
describe('native gemm block loops (STRATA_GEMM_BLOCKING in a child process)', () => {
  const child = `
    const native = require(process.env.STRATA_NATIVE_ADDON);
    ${randomArray.toString()}
    const failures = [];
    let cases = 0;
    for (const [M, N, K] of [[100, 150, 200], [29, 70, 130], [3, 97, 9], [90, 12, 150]]) {
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const A = randomArray(M * K, M + K), B = randomArray(K * N, N + 1), C0 = randomArray(M * N, 7);
        const want = new Float64Array(M * N), scale = new Float64Array(M * N);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let sum = 0, abs = 0;
          for (let k = 0; k < K; k++) {
            const p = (transA ? A[k * M + i] : A[i * K + k]) * (transB ? B[j * K + k] : B[k * N + j]);
            sum += p; abs += Math.abs(p);
          }
          want[i * N + j] = 1.5 * sum + 0.5 * C0[i * N + j];
          scale[i * N + j] = 1.5 * abs + Math.abs(0.5 * C0[i * N + j]);
        }
        for (const isa of native.cpuInfo().supported) for (const threads of [1, 2]) {
          native.setIsa(isa); native.setThreads(threads);
          const C = C0.slice();
          native.gemm(transA, transB, M, N, K, 1.5, A, B, 0.5, C);
          cases++;
          const tol = 1e-5 * Math.sqrt(K);
          const bad = C.findIndex((v, i) => !(Math.abs(v - want[i]) <= tol * scale[i] + 1e-30));
          if (bad >= 0) failures.push(\`\${M}x\${N}x\${K} \${transA}/\${transB} \${isa} \${threads}t: [\${bad}] \${C[bad]} vs \${want[bad]}\`);
        }
      }
    }
    process.stdout.write(JSON.stringify({ cases, failures }));
  `;
  for (const split of ['never', 'always']) {
    it(`runs every block loop several times (MC 28, KC 64, NC 64, NG 32; split ${split})`, () => {
      const out = spawnSync(process.execPath, ['-e', child], {
        encoding: 'utf8',
        env: {
          ...process.env,
          STRATA_NATIVE_ADDON: nativeAddonPath(),
          STRATA_GEMM_BLOCKING: '28,64,64,32',
          STRATA_GEMM_SPLIT: split,
        },
      });
      expect(out.status, out.stderr).toBe(0);
      const result = JSON.parse(out.stdout) as { cases: number; failures: string[] };
      expect(result.failures).toEqual([]);
      expect(result.cases).toBe(4 * 4 * isas.length * 2);
    });
  }
});

describe('native gemm argument checks', () => {
  const A = new Float32Array(6); // 2 x 3
  const B = new Float32Array(12); // 3 x 4
  const C = new Float32Array(8); // 2 x 4
  type Args = Parameters<NativeEngine['gemm']>;
  const ok: Args = [false, false, 2, 4, 3, 1, A, B, 0, C];
  const call = (...patch: Array<[number, unknown]>) => {
    const args: unknown[] = [...ok];
    for (const [i, v] of patch) args[i] = v;
    return () => (native.gemm as (...a: unknown[]) => void)(...args);
  };

  it('accepts the well-formed call', () => {
    expect(call()).not.toThrow();
  });

  it('rejects a wrong number of arguments', () => {
    expect(() => (native.gemm as (...a: unknown[]) => void)(false, false, 2, 4, 3)).toThrow(
      /gemm: expected 10 arguments \(transA, transB, M, N, K, alpha, A, B, beta, C\), got 5/,
    );
  });

  it('names a flag that is not a boolean', () => {
    expect(call([0, 1])).toThrow(TypeError);
    expect(call([0, 1])).toThrow(/transA must be a boolean, got the number 1/);
    expect(call([1, 'yes'])).toThrow(/transB must be a boolean, got a string/);
  });

  it('names a bad dimension', () => {
    expect(call([2, -1])).toThrow(RangeError);
    expect(call([2, -1])).toThrow(/M must be a non-negative integer/);
    expect(call([3, 2.5])).toThrow(/N must be a non-negative integer.*got 2\.5/);
    expect(call([4, Number.NaN])).toThrow(/K must be a non-negative integer/);
    expect(call([4, '3'])).toThrow(TypeError);
    expect(call([4, '3'])).toThrow(/K must be a number, got a string/);
  });

  it('names alpha or beta when they are not numbers', () => {
    expect(call([5, null])).toThrow(/alpha must be a number, got null/);
    expect(call([8, undefined])).toThrow(/beta must be a number, got undefined/);
  });

  it('names an operand that is not a Float32Array', () => {
    expect(call([6, new Float64Array(6)])).toThrow(TypeError);
    expect(call([6, new Float64Array(6)])).toThrow(/A must be a Float32Array, got a Float64Array/);
    expect(call([7, [1, 2, 3]])).toThrow(/B must be a Float32Array, got an array/);
    expect(call([9, new Int32Array(8)])).toThrow(/C must be a Float32Array, got an Int32Array/);
  });

  it('names an operand whose length does not match the shape', () => {
    expect(call([6, new Float32Array(5)])).toThrow(RangeError);
    expect(call([6, new Float32Array(5)])).toThrow(/A has 5 elements, expected M\*K \(M=2, K=3\) = 6/);
    expect(call([7, new Float32Array(13)])).toThrow(/B has 13 elements, expected K\*N \(K=3, N=4\) = 12/);
    expect(call([9, new Float32Array(7)])).toThrow(/C has 7 elements, expected M\*N \(M=2, N=4\) = 8/);
  });

  it('refuses C sharing memory with A or B', () => {
    const buf = new Float32Array(14);
    const a = buf.subarray(0, 6);
    const c = buf.subarray(6, 14);
    expect(() => native.gemm(false, false, 2, 4, 3, 1, a, B, 0, c)).not.toThrow(); // adjacent, no overlap
    const c2 = buf.subarray(5, 13);
    expect(() => native.gemm(false, false, 2, 4, 3, 1, a, B, 0, c2)).toThrow(/C must not share memory with A/);
    const b = new Float32Array(20);
    expect(() => native.gemm(false, false, 2, 4, 3, 1, A, b.subarray(0, 12), 0, b.subarray(8, 16))).toThrow(
      /C must not share memory with B/,
    );
  });

  it('checks setIsa and setThreads', () => {
    expect(() => (native.setIsa as (n: unknown) => void)('sse9')).toThrow(RangeError);
    expect(() => (native.setIsa as (n: unknown) => void)('sse9')).toThrow(/setIsa: unknown ISA 'sse9'/);
    expect(() => (native.setIsa as (n: unknown) => void)(3)).toThrow(/setIsa: name must be a string/);
    for (const isa of ['avx512', 'avx2'] as const) {
      if (!isas.includes(isa)) expect(() => native.setIsa(isa)).toThrow(/does not support/);
    }
    expect(() => native.setThreads(0)).toThrow(RangeError);
    expect(() => native.setThreads(0)).toThrow(/setThreads: n must be an integer from 1 to 256, got 0/);
    expect(() => native.setThreads(1.5)).toThrow(/setThreads/);
    native.setIsa(defaults.isa);
    native.setThreads(defaults.threads);
    expect(native.cpuInfo()).toMatchObject({ isa: defaults.isa, threads: defaults.threads });
  });

  it('measures an FMA peak', () => {
    const gflops = native.fmaPeakGflops(1, 0.02);
    expect(gflops).toBeGreaterThan(0.1);
    expect(() => native.fmaPeakGflops(0)).toThrow(/fmaPeakGflops: threads must be an integer/);
  });
});

describe('native addon in a worker thread (context-aware)', () => {
  it('loads in a worker and multiplies there while the main thread does too', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { createRequire } = require('node:module');
      const native = createRequire(workerData.path)(workerData.path);
      native.setThreads(1);
      const n = 96;
      const A = new Float32Array(n * n).fill(1);
      const B = new Float32Array(n * n).fill(2);
      const C = new Float32Array(n * n);
      for (let r = 0; r < 20; r++) native.gemm(false, false, n, n, n, 1, A, B, 0, C);
      parentPort.postMessage({ ok: C.every((v) => v === 2 * n), threads: native.cpuInfo().threads });
    `;
    const worker = new Worker(source, { eval: true, workerData: { path: nativeAddonPath() } });
    const result = new Promise<{ ok: boolean; threads: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // Meanwhile, on the main thread (the pool may be busy with the worker's GEMM: then
    // this runs single-threaded, still correct).
    const n = 130;
    const A = randomArray(n * n, 21);
    const B = randomArray(n * n, 22);
    for (let r = 0; r < 5; r++) {
      const C = new Float32Array(n * n);
      native.gemm(false, true, n, n, n, 1, A, B, 0, C);
      expect(firstMismatch(C, referenceGemm(false, true, n, n, n, 1, A, B, 0, C), n)).toBeUndefined();
    }
    await expect(result).resolves.toEqual({ ok: true, threads: 1 });
    await worker.terminate();
    // The worker's setThreads(1) is its own setting.
    expect(native.cpuInfo().threads).toBe(defaults.threads);
  });
});
