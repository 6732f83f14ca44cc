// The device side of the strided walk (src/kernels/strided.h) and of reduce_to. The host
// reads shapes and collapses them into a kernels::Strided exactly as the CPU does and
// passes it by value; each thread handles one element of the walk and finds every
// operand's offset from that element's index.
#pragma once

#include <climits>
#include <cstdint>

#include "../src/kernels/reduce.h"
#include "../src/kernels/strided.h"
#include "kernel.cuh"

namespace strata::cuda {

using kernels::Dims;
using kernels::kMaxOps;
using kernels::kMaxRank;
using kernels::Strided;

// Whether every index and offset of the walk fits 31 bits, so that the per-element index
// arithmetic can run in 32 bits (64-bit division costs several times as much).
inline bool fits32(const Strided& s) {
  if (s.total > INT_MAX) return false;
  for (int k = 0; k < s.nops; ++k) {
    int64_t last = 0;
    for (int a = 0; a < s.rank; ++a) last += (s.dim[a] - 1) * s.stride[k][a];
    if (last > INT_MAX) return false;
  }
  return true;
}

// off[k] = where operand k's element for index i of the walk lies. The loop over axes is
// unrolled to kMaxRank (axes past the rank skipped) so that the walk's arrays are indexed by
// constants and stay in the kernel's parameter space; the outermost axis needs no division,
// so a fully collapsed walk (rank 1) costs one multiply per operand.
template <int NOPS, typename I>
__device__ inline void walk_offsets(const Strided& s, I i, I (&off)[NOPS]) {
#pragma unroll
  for (int k = 0; k < NOPS; ++k) off[k] = 0;
#pragma unroll
  for (int a = kMaxRank - 1; a > 0; --a) {
    if (a < s.rank) {
      const I d = static_cast<I>(s.dim[a]);
      const I q = i / d;
      const I idx = i - q * d;
#pragma unroll
      for (int k = 0; k < NOPS; ++k) off[k] += idx * static_cast<I>(s.stride[k][a]);
      i = q;
    }
  }
#pragma unroll
  for (int k = 0; k < NOPS; ++k) off[k] += i * static_cast<I>(s.stride[k][0]);
}

template <int NOPS, typename I, typename F>
__global__ void strided_kernel(Strided s, F f) {
  const I total = static_cast<I>(s.total);
  const I step = static_cast<I>(gridDim.x) * blockDim.x;
  for (I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    I off[NOPS];
    walk_offsets<NOPS>(s, i, off);
    int64_t o[NOPS];
#pragma unroll
    for (int k = 0; k < NOPS; ++k) o[k] = static_cast<int64_t>(off[k]);
    f(static_cast<const int64_t*>(o));
  }
}

// f(off) for every element of the walk, off[k] being operand k's offset (f: __device__
// lambda). The walk must track NOPS operands.
template <int NOPS, typename F>
void launch_strided(const plan::Plan& p, const Strided& s, F f, const char* name) {
  if (s.nops != NOPS) throw std::runtime_error(std::string(name) + ": the walk tracks a different number of operands");
  if (s.total <= 0) return;
  if (fits32(s)) {
    strided_kernel<NOPS, uint32_t><<<blocks_for(s.total), kThreads, 0, stream(p)>>>(s, f);
  } else {
    strided_kernel<NOPS, int64_t><<<blocks_for(s.total), kThreads, 0, stream(p)>>>(s, f);
  }
  check_launch(name);
}

// y (+)= scale * reduce(x), kind a kernels::ReduceKind (scale = 1 / count for a mean), as the
// CPU's reduce_to: yd is xd with 1 along the reduced axes, x is contiguous and y is
// contiguous over the kept axes. Uses scratch slot 2 when a reduction is split over blocks.
// Defined in kernels/reduce.cu.
void reduce_to(plan::Plan& p, int64_t kind, const float* x, const Dims& xd, const Dims& yd, float* y, float scale, bool accumulate);

}  // namespace strata::cuda
