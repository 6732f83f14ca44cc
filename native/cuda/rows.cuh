// Row kernels on the device (losses, metrics): each row gets a group of lanes (the next
// power of two above the row's length, at most a warp) that walks the row and combines its
// partial results with shuffles inside the group. Group has the interface of the CPU's
// kernels::OneLane (src/kernels/row_lanes.h), so the row code in loss.h / metrics.h runs
// on either.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernel.cuh"

namespace strata::cuda {

constexpr int kRowThreads = 512;
constexpr int kRowsPerGroup = 4;  // rows a lane group takes before the batch gets another block
constexpr unsigned kMaxRowBlocks = 1024;

// The `width` lanes (a power of two <= 32) that share a row; shuffles stay inside the group,
// so groups of one warp may take different paths (a masked row, a bad label).
struct Group {
  unsigned mask;
  int width;
  int lane;  // within the group

  template <typename T>
  __device__ T sum(T v) const {
    for (int o = width / 2; o > 0; o >>= 1) v += __shfl_xor_sync(mask, v, o);
    return v;
  }

  __device__ float max(float v) const {
    for (int o = width / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(mask, v, o));
    return v;
  }

  // Index of the first largest value (std::max_element's choice) among the group's candidates.
  __device__ int64_t argmax(const float* v, int64_t n) const {
    float best = -INFINITY;
    int64_t at = INT64_MAX;
    for (int64_t j = lane; j < n; j += width) {
      if (at == INT64_MAX || v[j] > best) {
        best = v[j];
        at = j;
      }
    }
    for (int o = width / 2; o > 0; o >>= 1) {
      const float ob = __shfl_xor_sync(mask, best, o);
      const int64_t oa = __shfl_xor_sync(mask, at, o);
      if (ob > best || (ob == best && oa < at)) {
        best = ob;
        at = oa;
      }
    }
    return at;
  }
};

// This thread's group when rows get `width` lanes each.
__device__ inline Group group_of(int width) {
  const int warp_lane = threadIdx.x & 31;
  const unsigned bits = width == 32 ? 0xffffffffu : ((1u << width) - 1u) << (warp_lane & ~(width - 1));
  return Group{bits, width, warp_lane & (width - 1)};
}

// The first row of this thread's group and the stride to its next one (grid-stride over rows).
__device__ inline int64_t first_row(int width) { return (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / width; }
__device__ inline int64_t row_stride(int width) { return static_cast<int64_t>(gridDim.x) * (blockDim.x / width); }

// Lanes per row for rows of n values.
inline int lanes_for(int64_t n) {
  int w = 1;
  while (w < 32 && w < n) w *= 2;
  return w;
}

// Blocks of kRowThreads for `rows` rows at `width` lanes a row.
inline unsigned row_blocks(int64_t rows, int width) {
  const int64_t per_block = static_cast<int64_t>(kRowThreads / width) * kRowsPerGroup;
  return std::min<unsigned>(static_cast<unsigned>(std::max<int64_t>(1, (rows + per_block - 1) / per_block)), kMaxRowBlocks);
}

}  // namespace strata::cuda
