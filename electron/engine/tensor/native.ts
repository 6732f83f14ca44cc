/**
 * The native engine: `native/build/Release/strata_native.node`, the C++ kernels behind
 * Node-API (DESIGN.md §3). Loaded lazily, so code that only builds and validates model
 * graphs runs without it; the first kernel call loads it and, when it is missing, throws
 * a {@link NativeEngineNotBuiltError} that says how to build it.
 *
 * The addon is context-aware: it can be loaded by the main thread and by worker threads
 * at once, each with its own settings (`setIsa`, `setThreads`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanSpec } from '../plan/plan-builder.js';
import type { Precision } from './device.js';

/** Kernel instruction-set paths, fastest first. */
export type Isa = 'avx512' | 'avx2' | 'portable';

export interface CpuInfo {
  /** The ISA path this instance's kernels use (the fastest supported unless `setIsa` forced one). */
  isa: Isa;
  /** How many threads this instance's kernels may use. */
  threads: number;
  /** Every ISA path this CPU (and this build) can run, fastest first. */
  supported: Isa[];
  /** Hardware threads the OS reports. */
  hardwareThreads: number;
}

export interface NativeEngine {
  /**
   * `C = alpha * op(A) * op(B) + beta * C`, float32, row-major, written into `C`.
   * `op(A)` is M x K (`A` holds M*K values, stored K x M when `transA`); `op(B)` is K x N
   * (stored N x K when `transB`); `C` is M x N. `beta = 0` overwrites C without reading it.
   * Throws a TypeError (wrong argument type) or RangeError (bad size, length mismatch,
   * `C` overlapping `A`/`B`) naming the argument.
   *
   * A matmul's backward pass is two more calls with transposes: for `Y = X W`,
   * `dX = dY W^T` is `gemm(false, true, M, K, N, 1, dY, W, 0, dX)` and
   * `dW = X^T dY` is `gemm(true, false, K, N, M, 1, X, dY, 0, dW)`.
   */
  gemm(
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
  ): void;
  cpuInfo(): CpuInfo;
  /** Forces an ISA path for this instance (tests, benchmarks); throws if the CPU lacks it. */
  setIsa(name: Isa): void;
  /** Number of threads this instance's kernels may use, 1..256. */
  setThreads(n: number): void;
  /**
   * Runs independent FMA chains with this instance's ISA on `threads` threads (default:
   * the instance's count) for `seconds` (default 0.2) and returns the achieved GFLOP/s:
   * the practical FP32 peak that kernel efficiency is measured against.
   */
  fmaPeakGflops(threads?: number, seconds?: number): number;

  /**
   * What `--device cuda` can use: the CUDA devices found, or why there are none. With
   * `freeMemory` (default true) each device's free memory is read, which creates a CUDA
   * context on it: the app's own process passes false.
   */
  cudaDevices(freeMemory?: boolean): CudaProbe;
  /** TFLOP/s of the engine's own device GEMM (m x k times k x n) at a precision on a device. */
  cudaGemmTflops(m: number, n: number, k: number, precision: Precision, repeats: number, device: number): number;
  /** Every registered kernel; the CUDA backend's are prefixed `cuda:`. */
  kernelNames(): string[];

  // ---- step plans (native/src/plan/plan_binding.cc); wrapped by plan/native-plan.ts ----
  /** Allocates a plan's buffers and binds its programs to kernels; returns an opaque handle. */
  createPlan(spec: PlanSpec): PlanHandle;
  planWrite(plan: PlanHandle, buffer: number, values: Float32Array | Int32Array): void;
  planRead(plan: PlanHandle, buffer: number): Float32Array | Int32Array;
  planResize(plan: PlanHandle, buffer: number, size: number): void;
  planScalars(plan: PlanHandle, values?: Float64Array): Float64Array;
  planRun(plan: PlanHandle, program: number, batch: number): void;
  planRunSteps(
    plan: PlanHandle,
    program: number,
    batchSize: number,
    cursorSlot: number,
    firstSample: number,
    sampleCount: number,
    steps: number,
    record: number[],
  ): Float64Array;
}

/** A CUDA device as the addon sees it. */
export interface CudaDevice {
  index: number;
  name: string;
  /** Bytes. */
  totalMemory: number;
  /** Bytes; 0 when asked without free memory. */
  freeMemory: number;
  /** e.g. "9.0". */
  computeCapability: string;
  multiprocessors: number;
  /** Whether this build's code runs on it (compute capability 8.0 or newer). */
  supported: boolean;
}

export interface CudaProbe {
  /** Whether the addon was built with the CUDA backend (nvcc was found). */
  built: boolean;
  devices: CudaDevice[];
  /** CUDA versions as numbers (12040 is 12.4); the driver's is 0 when there is no driver. */
  driverVersion: number;
  runtimeVersion: number;
  /** Why no device can be used, when none can. */
  problem?: string;
}

/** A native plan, only meaningful to the plan functions. */
export type PlanHandle = { readonly __plan: unique symbol };

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the addon is expected: `STRATA_NATIVE_ADDON` if set (packaged apps put it next to
 * their resources), else `<repo>/native/build/Release/strata_native.node`.
 */
export function nativeAddonPath(): string {
  return process.env.STRATA_NATIVE_ADDON ?? resolve(here, '../../../native/build/Release/strata_native.node');
}

export class NativeEngineNotBuiltError extends Error {
  constructor(
    readonly addonPath: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the native engine is not built: run \`npm run build:native\` (needs g++, make, python3); expected ${addonPath}`,
      options,
    );
    this.name = 'NativeEngineNotBuiltError';
  }
}

let loaded: NativeEngine | undefined;

/** Loads the addon once per thread; throws {@link NativeEngineNotBuiltError} when it is missing. */
export function loadNative(): NativeEngine {
  if (loaded) return loaded;
  const path = nativeAddonPath();
  if (!existsSync(path)) throw new NativeEngineNotBuiltError(path);
  const require = createRequire(import.meta.url);
  try {
    loaded = require(path) as NativeEngine;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `the native engine at ${path} failed to load (${reason}); rebuild it with \`npm run build:native\` (needs g++, make, python3)`,
      { cause },
    );
  }
  return loaded;
}

/** Whether the addon is built and loads on this machine. */
export function nativeAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}
