// Merge kernels on the device (src/kernels/merge.cc): element-wise merges with broadcasting
// (Add, Subtract, Multiply, Average, Maximum, Minimum) and the L2 normalization along one
// axis of Dot(normalize=True). Forward next to backward.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../kernel.cuh"
#include "kernels/merge.h"
#include "kernels/strided.h"

namespace strata::cuda {
namespace {

// ---- element-wise merges --------------------------------------------------------------------
// The output's sample shape comes with adjacent axes merged (the emitter does that); each
// input has the output's size on an axis or 1 (broadcast), and every input has the batch
// axis. One thread per output element: inputs that broadcast nowhere read the same index,
// the others unflatten it once per input.

enum MergeOp : int64_t { kAdd = 0, kSubtract = 1, kMultiply = 2, kAverage = 3, kMaximum = 4, kMinimum = 5 };

// Inputs one launch takes (they travel in the kernel's parameters).
constexpr int kMaxMergeInputs = 64;

struct MergeArgs {
  int64_t op = 0, n = 0;
  int rank = 0;
  int64_t dims[kernels::kMaxRank] = {};  // output sample dims (merged)
  int64_t out_sample = 1;                // output elements per sample
  const float* x[kMaxMergeInputs] = {};
  uint32_t flags[kMaxMergeInputs] = {};  // bit k: the input is broadcast along axis k

  // Where output element e reads input i.
  __device__ int64_t offset(int64_t i, int64_t e) const {
    const uint32_t f = flags[i];
    if (f == 0) return e;
    const int64_t b = e / out_sample;
    int64_t rem = e - b * out_sample, off = 0, s = 1;
    for (int k = rank - 1; k >= 0; --k) {
      const int64_t c = rem % dims[k];
      rem /= dims[k];
      if (!((f >> k) & 1u)) {
        off += c * s;
        s *= dims[k];
      }
    }
    return b * s + off;  // s is now the input's elements per sample
  }
  __device__ float at(int64_t i, int64_t e) const { return x[i][offset(i, e)]; }
};

// ints at `at`: [rank, dims (rank), broadcast flags (inputs x rank)]; inputs from bufs[first].
MergeArgs merge_args(const plan::Plan& p, const plan::Instr& in, size_t at, size_t first) {
  MergeArgs a;
  a.op = in.ints[0];
  a.n = in.ints[1];
  if (a.n < 1 || a.n > kMaxMergeInputs)
    throw std::runtime_error("merge: " + std::to_string(a.n) + " inputs; the CUDA kernels take 1 to " +
                             std::to_string(kMaxMergeInputs));
  const int64_t rank = in.ints[at];
  if (rank < 1 || rank > kernels::kMaxRank) throw std::runtime_error("merge: rank " + std::to_string(rank) + " is not supported");
  a.rank = static_cast<int>(rank);
  for (int k = 0; k < a.rank; ++k) {
    a.dims[k] = in.ints[at + 1 + k];
    a.out_sample *= a.dims[k];
  }
  for (int64_t i = 0; i < a.n; ++i) {
    a.x[i] = p.f32(in.bufs[first + i]);
    for (int k = 0; k < a.rank; ++k)
      if (in.ints[at + 1 + rank + i * rank + k]) a.flags[i] |= 1u << k;
  }
  return a;
}

// bufs [y, x_0, ..., x_{n-1}]; ints [op, n, rank, dims (rank), broadcast flags (n x rank)]
// Inputs fold left to right (Keras: out = op(op(x0, x1), x2)); Average divides at the end.
void merge_fwd(plan::Plan& p, const plan::Instr& in) {
  const MergeArgs a = merge_args(p, in, 2, 1);
  float* y = p.f32(in.bufs[0]);
  const float inv = 1.0f / static_cast<float>(a.n);
  launch_each(p, p.count(in.bufs[0]), [=] __device__(int64_t e) {
    float acc = a.at(0, e);
    for (int64_t i = 1; i < a.n; ++i) {
      const float v = a.at(i, e);
      switch (a.op) {
        case kAdd:
        case kAverage: acc = acc + v; break;
        case kSubtract: acc = acc - v; break;
        case kMultiply: acc = acc * v; break;
        case kMaximum: acc = acc >= v ? acc : v; break;
        case kMinimum: acc = acc <= v ? acc : v; break;
      }
    }
    y[e] = a.op == kAverage ? acc * inv : acc;
  }, "merge_fwd");
}

// The gradient of input `which` at output element e:
//   Add: dy   Subtract: ±dy   Average: dy / n   Multiply: dy * (product of the other inputs)
//   Maximum / Minimum: dy where this input is the first one equal to the output, else 0
//   (ties go to the earliest input, as TensorFlow's maximum gradient does).
struct MergeGrad {
  MergeArgs a;
  int64_t which;
  const float* dy;
  const float* y;
  float inv;

  __device__ float operator()(int64_t e) const {
    const float d = dy[e];
    switch (a.op) {
      case kAdd: return d;
      case kSubtract: return which == 0 ? d : -d;
      case kAverage: return d * inv;
      case kMultiply: {
        float g = d;
        for (int64_t i = 0; i < a.n; ++i)
          if (i != which) g = g * a.at(i, e);
        return g;
      }
      default: {  // kMaximum, kMinimum
        const float ye = y[e];
        if (a.at(which, e) != ye) return 0.0f;
        for (int64_t i = 0; i < which; ++i)
          if (a.at(i, e) == ye) return 0.0f;
        return d;
      }
    }
  }
};

// A broadcast input's gradient sums output elements: each of its elements m (per sample
// `sample` of them) gathers R output elements, enumerated by the axes it was broadcast along.
struct Gather {
  int64_t sample = 1, R = 1, out_sample = 1;
  int kept_rank = 0, bc_rank = 0;
  int64_t kept_dim[kernels::kMaxRank] = {}, kept_stride[kernels::kMaxRank] = {};  // innermost first
  int64_t bc_dim[kernels::kMaxRank] = {}, bc_stride[kernels::kMaxRank] = {};      // innermost first

  __device__ int64_t base(int64_t m) const {
    const int64_t b = m / sample;
    int64_t rem = m - b * sample, e = b * out_sample;
    for (int k = 0; k < kept_rank; ++k) {
      e += (rem % kept_dim[k]) * kept_stride[k];
      rem /= kept_dim[k];
    }
    return e;
  }
  __device__ int64_t step(int64_t t) const {
    int64_t e = 0;
    for (int k = 0; k < bc_rank; ++k) {
      e += (t % bc_dim[k]) * bc_stride[k];
      t /= bc_dim[k];
    }
    return e;
  }
};

Gather gather_of(const MergeArgs& a, int64_t which) {
  Gather g;
  g.out_sample = a.out_sample;
  int64_t stride = 1;
  for (int k = a.rank - 1; k >= 0; --k) {
    if ((a.flags[which] >> k) & 1u) {
      g.bc_dim[g.bc_rank] = a.dims[k];
      g.bc_stride[g.bc_rank++] = stride;
      g.R *= a.dims[k];
    } else {
      g.kept_dim[g.kept_rank] = a.dims[k];
      g.kept_stride[g.kept_rank++] = stride;
      g.sample *= a.dims[k];
    }
    stride *= a.dims[k];
  }
  return g;
}

// Broadcast along the innermost output axis: the R elements of one m are (partly)
// contiguous, so a warp reads them together and sums with shuffles; 8 warps per block.
__global__ void merge_gather_warps(MergeGrad grad, Gather gt, float* dx, int64_t total, bool acc) {
  const int lane = threadIdx.x & 31;
  for (int64_t m = blockIdx.x * 8LL + (threadIdx.x >> 5); m < total; m += gridDim.x * 8LL) {
    const int64_t base = gt.base(m);
    float s = 0.0f;
    for (int64_t t = lane; t < gt.R; t += 32) s += grad(base + gt.step(t));
    s = warp_sum(s);
    if (lane == 0) dx[m] = acc ? dx[m] + s : s;
  }
}

// Innermost axis kept: 32 neighbouring m per block read neighbouring output elements
// (coalesced), and the block's 8 rows split the R elements, summed through shared memory.
__global__ void merge_gather_columns(MergeGrad grad, Gather gt, float* dx, int64_t total, bool acc) {
  __shared__ float part[8][33];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  for (int64_t m0 = blockIdx.x * 32LL; m0 < total; m0 += gridDim.x * 32LL) {
    const int64_t m = m0 + tx;
    float s = 0.0f;
    if (m < total) {
      const int64_t base = gt.base(m);
      for (int64_t t = ty; t < gt.R; t += 8) s += grad(base + gt.step(t));
    }
    part[ty][tx] = s;
    __syncthreads();
    if (ty == 0 && m < total) {
      float sum = 0.0f;
      for (int r = 0; r < 8; ++r) sum += part[r][tx];
      dx[m] = acc ? dx[m] + sum : sum;
    }
    __syncthreads();
  }
}

// bufs [dy, y, dx, x_0, ..., x_{n-1}]; ints [op, n, which, accumulate, rank, dims, flags]
void merge_bwd(plan::Plan& p, const plan::Instr& in) {
  const MergeArgs a = merge_args(p, in, 4, 3);
  const int64_t which = in.ints[2];
  const bool acc = in.ints[3] != 0;
  const MergeGrad grad{a, which, p.f32(in.bufs[0]), p.f32(in.bufs[1]), 1.0f / static_cast<float>(a.n)};
  float* dx = p.f32(in.bufs[2]);
  const int64_t count = p.count(in.bufs[0]);
  if (a.flags[which] == 0) {
    launch_each(p, count, [=] __device__(int64_t e) {
      const float g = grad(e);
      dx[e] = acc ? dx[e] + g : g;
    }, "merge_bwd");
    return;
  }
  const Gather gt = gather_of(a, which);
  const int64_t total = count / a.out_sample * gt.sample;
  if (total <= 0) return;
  if ((a.flags[which] >> (a.rank - 1)) & 1u) {
    merge_gather_warps<<<blocks_for(total, 8), 256, 0, stream(p)>>>(grad, gt, dx, total, acc);
  } else {
    merge_gather_columns<<<blocks_for(total, 32), 256, 0, stream(p)>>>(grad, gt, dx, total, acc);
  }
  check_launch("merge_bwd");
}

// ---- L2 normalization along one axis (Dot with normalize=True) ----------------------------
// Each sample is [A, K, B] with the normalized axis K in the middle. Keras 3:
// y = x * min(rsqrt(sum x^2), 1 / epsilon), the inverse norms (A x B per sample) kept:
//   dx = inv * (dy - y * sum_k(dy * y))   where the norm was not clamped,
//   dx = inv * dy                         where it was (inv is then a constant).
// B > 1: one thread per (row, b) column walks K, neighbouring threads on neighbouring b.
// B == 1: K is contiguous, so one warp per row sums it with shuffles.

__global__ void l2_normalize_fwd_rows(const float* x, float* y, float* inv, int64_t rows, int64_t K, float cap) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; r < rows;
       r += (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5) {
    const float* xr = x + r * K;
    float s = 0.0f;
    for (int64_t k = lane; k < K; k += 32) s += xr[k] * xr[k];
    const float ir = kernels::clamp_inv(warp_sum(s), cap);
    for (int64_t k = lane; k < K; k += 32) y[r * K + k] = xr[k] * ir;
    if (lane == 0) inv[r] = ir;
  }
}

// bufs [x, y, inv]; ints [A, K, B]; floats [epsilon]
void l2_normalize_fwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::L2Normalize l2 = kernels::read_l2_normalize(in);
  const int64_t K = l2.k, B = l2.b;
  const float cap = l2.cap;
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  float* inv = p.f32(in.bufs[2]);
  if (K * B <= 0) return;
  const int64_t rows = l2.rows(p, in.bufs[0]);
  if (B == 1) {
    if (rows <= 0) return;
    l2_normalize_fwd_rows<<<blocks_for(rows * 32), kThreads, 0, stream(p)>>>(x, y, inv, rows, K, cap);
    check_launch("l2_normalize_fwd");
    return;
  }
  launch_each(p, rows * B, [=] __device__(int64_t i) {
    const int64_t r = i / B, b = i - r * B;
    const float* xc = x + r * K * B + b;
    float s = 0.0f;
    for (int64_t k = 0; k < K; ++k) s += xc[k * B] * xc[k * B];
    const float ir = kernels::clamp_inv(s, cap);
    for (int64_t k = 0; k < K; ++k) y[r * K * B + k * B + b] = xc[k * B] * ir;
    inv[i] = ir;
  }, "l2_normalize_fwd");
}

__global__ void l2_normalize_bwd_rows(const float* y, const float* inv, const float* dy, float* dx, int64_t rows, int64_t K,
                                      float cap, bool acc) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; r < rows;
       r += (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5) {
    const float* yr = y + r * K;
    const float* gr = dy + r * K;
    float* dr = dx + r * K;
    float s = 0.0f;
    for (int64_t k = lane; k < K; k += 32) s += gr[k] * yr[k];
    const float ir = inv[r], sum = warp_sum(s);
    const float dot = ir >= cap ? 0.0f : sum;  // clamped: the scale is a constant
    for (int64_t k = lane; k < K; k += 32) {
      const float g = ir * (gr[k] - yr[k] * dot);
      dr[k] = acc ? dr[k] + g : g;
    }
  }
}

// bufs [y, inv, dy, dx]; ints [A, K, B, accumulate]; floats [epsilon]
void l2_normalize_bwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::L2Normalize l2 = kernels::read_l2_normalize(in);
  const int64_t K = l2.k, B = l2.b;
  const float cap = l2.cap;
  const bool acc = in.ints[3] != 0;
  const float* y = p.f32(in.bufs[0]);
  const float* inv = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  if (K * B <= 0) return;
  const int64_t rows = l2.rows(p, in.bufs[3]);
  if (B == 1) {
    if (rows <= 0) return;
    l2_normalize_bwd_rows<<<blocks_for(rows * 32), kThreads, 0, stream(p)>>>(y, inv, dy, dx, rows, K, cap, acc);
    check_launch("l2_normalize_bwd");
    return;
  }
  launch_each(p, rows * B, [=] __device__(int64_t i) {
    const int64_t r = i / B, b = i - r * B, at = r * K * B + b;
    float dot = 0.0f;
    for (int64_t k = 0; k < K; ++k) dot += dy[at + k * B] * y[at + k * B];
    const float ir = inv[i];
    if (ir >= cap) dot = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float g = ir * (dy[at + k * B] - y[at + k * B] * dot);
      dx[at + k * B] = acc ? dx[at + k * B] + g : g;
    }
  }, "l2_normalize_bwd");
}

STRATA_CUDA_KERNEL("merge_fwd", merge_fwd);
STRATA_CUDA_KERNEL("merge_bwd", merge_bwd);
STRATA_CUDA_KERNEL("l2_normalize_fwd", l2_normalize_fwd);
STRATA_CUDA_KERNEL("l2_normalize_bwd", l2_normalize_bwd);

}  // namespace
}  // namespace strata::cuda
