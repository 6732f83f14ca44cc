// What a CUDA kernel file includes. Kernels have the CPU kernels' signature and names
// (registered as "cuda:<name>"), read the same buffers and attributes, and enqueue their
// work on the plan's stream: they never synchronise, allocate or copy to the host, so a
// whole program can be captured into a CUDA graph.
//
//   p.f32(buf) / p.i32(buf)  device pointers of the plan's buffers
//   p.count(buf), p.batch    sizes, as on the CPU (a graph is captured per batch size)
//   scalars(p)               the plan's scalars, on the device (lr, step counters, sums)
//   scratch(p, slot, bytes)  device scratch, contents undefined between instructions
//   launch_each(p, n, f)     f(i) for i in [0, n) on the plan's stream (f: __device__ lambda)
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "../src/plan/plan.h"
#include "runtime.cuh"

namespace strata::cuda {

constexpr int kThreads = 256;

// Grid size for n items at `threads` per block; grid-stride loops cover the rest.
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

inline cudaStream_t stream(const plan::Plan& p) { return state(p).stream; }
inline double* scalars(const plan::Plan& p) { return state(p).scalars; }
inline Fault* fault(const plan::Plan& p) { return state(p).fault; }
inline int instr_index(const plan::Plan& p) { return state(p).current_instr; }

// Device scratch of at least `bytes` in `slot` (0..7). Slots let one kernel hold several.
void* scratch(const plan::Plan& p, int slot, size_t bytes);

// Throws if the last launch failed (bad configuration); called after each launch.
void check_launch(const char* kernel);

// Records the first fault of a step; the host turns it into an error after the run.
__device__ inline void raise_fault(Fault* f, int kind, int instr, long long value, long long limit) {
  if (atomicCAS(&f->kind, 0, kind) == 0) {
    f->kernel = instr;
    f->value = value;
    f->limit = limit;
  }
}

template <typename F>
__global__ void each_kernel(int64_t n, F f) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    f(i);
  }
}

// f(i) for every i in [0, n), on the plan's stream.
template <typename F>
void launch_each(const plan::Plan& p, int64_t n, F f, const char* name = "element-wise kernel") {
  if (n <= 0) return;
  each_kernel<<<blocks_for(n), kThreads, 0, stream(p)>>>(n, f);
  check_launch(name);
}

// The combining operations of the reductions below.
struct Plus {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// op over v of every lane of a warp (every lane gets it).
template <typename T, typename Op>
__device__ inline T warp_reduce(T v, Op op) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ inline float warp_sum(float v) { return warp_reduce(v, Plus{}); }
__device__ inline double warp_sum(double v) { return warp_reduce(v, Plus{}); }
__device__ inline float warp_max(float v) { return warp_reduce(v, Max{}); }

// op over v of every thread of the block (every thread gets it). blockDim.x must be a
// multiple of 32; every thread of the block must call it.
template <typename T, typename Op>
__device__ inline T block_reduce(T v, Op op) {
  __shared__ T partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_reduce(v, op);
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  T total = partial[0];
  const int warps = blockDim.x >> 5;
  for (int w = 1; w < warps; ++w) total = op(total, partial[w]);
  return total;
}
template <typename T>
__device__ inline T block_sum(T v) { return block_reduce(v, Plus{}); }
__device__ inline float block_max(float v) { return block_reduce(v, Max{}); }

}  // namespace strata::cuda

#define STRATA_CUDA_KERNEL(name, fn) \
  static ::strata::plan::KernelRegistration cuda_kernel_registration_##fn("cuda:" name, fn)
