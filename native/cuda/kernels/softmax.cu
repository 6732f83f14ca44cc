// Softmax and log-softmax on the device (src/kernels/softmax.cc): along the last axis
// (softmax_rows, which activations and dense layers share) and along any axis
// (softmax_fwd / softmax_bwd), forward next to backward. Maxima are subtracted before the
// exponentials, as on the CPU.
#include <cmath>
#include <cstdint>

#include "kernel.cuh"
#include "activation.cuh"
#include "strided.cuh"

namespace strata::cuda {
namespace {

// ---- rows of up to 1024 values: a group of L lanes per row, values in registers ----------

// A row of n <= L * P values goes to a group of L lanes, lane j holding values j, j + L, ...
// (coalesced), so x is read once. L is a power of two up to 32: a group lies within a warp,
// and the shuffles below stay inside it.
template <int L>
__device__ inline float group_max(float v) {
#pragma unroll
  for (int o = L / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

template <int L>
__device__ inline float group_sum(float v) {
#pragma unroll
  for (int o = L / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Every lane of a warp reaches the shuffles (no early exit): lanes past the last row load
// nothing and store nothing.
template <int L, int P>
__global__ void softmax_small_kernel(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  const int lane = threadIdx.x % L;
  const int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / L;
  const bool row_ok = r < rows;
  const float* xr = x + r * n;
  float v[P];
  float m = -INFINITY;
#pragma unroll
  for (int k = 0; k < P; ++k) {
    const int64_t j = lane + k * L;
    v[k] = (row_ok && j < n) ? xr[j] : -INFINITY;
    m = fmaxf(m, v[k]);
  }
  m = group_max<L>(m);
  float s = 0.0f;
#pragma unroll
  for (int k = 0; k < P; ++k) {
    if (lane + k * L < n) {
      v[k] = log ? v[k] : expf(v[k] - m);
      s += log ? expf(v[k] - m) : v[k];
    }
  }
  s = group_sum<L>(s);
  if (!row_ok) return;
  float* yr = y + r * n;
  const float lse = m + logf(s), inv = 1.0f / s;
#pragma unroll
  for (int k = 0; k < P; ++k) {
    const int64_t j = lane + k * L;
    if (j < n) yr[j] = log ? v[k] - lse : v[k] * inv;
  }
}

// softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
template <int L, int P>
__global__ void softmax_small_backward_kernel(const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log,
                                              bool accumulate) {
  const int lane = threadIdx.x % L;
  const int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / L;
  const bool row_ok = r < rows;
  float yv[P], gv[P];
  float dot = 0.0f;
#pragma unroll
  for (int k = 0; k < P; ++k) {
    const int64_t j = lane + k * L;
    const bool ok = row_ok && j < n;
    yv[k] = ok ? y[r * n + j] : 0.0f;
    gv[k] = ok ? dy[r * n + j] : 0.0f;
    dot += log ? gv[k] : gv[k] * yv[k];
  }
  dot = group_sum<L>(dot);
  if (!row_ok) return;
  float* dxr = dx + r * n;
#pragma unroll
  for (int k = 0; k < P; ++k) {
    const int64_t j = lane + k * L;
    if (j < n) {
      const float g = log ? gv[k] - expf(yv[k]) * dot : yv[k] * (gv[k] - dot);
      dxr[j] = accumulate ? dxr[j] + g : g;
    }
  }
}

// ---- longer rows: a block per row, three passes (max, sum, write) --------------------------

constexpr int kRowThreads = 512;

__global__ void softmax_block_kernel(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * n;
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = block_max(m);
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += expf(xr[j] - m);
    s = block_sum(s);
    float* yr = y + r * n;
    const float lse = m + logf(s), inv = 1.0f / s;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) yr[j] = log ? xr[j] - lse : expf(xr[j] - m) * inv;
  }
}

__global__ void softmax_block_backward_kernel(const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log,
                                              bool accumulate) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* yr = y + r * n;
    const float* gr = dy + r * n;
    float dot = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) dot += log ? gr[j] : gr[j] * yr[j];
    dot = block_sum(dot);
    float* dxr = dx + r * n;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const float g = log ? gr[j] - expf(yr[j]) * dot : yr[j] * (gr[j] - dot);
      dxr[j] = accumulate ? dxr[j] + g : g;
    }
  }
}

// Calls f(integral_constant L, integral_constant P) with the smallest group that holds a
// row of n <= 1024 values: rows of up to 32 values get that many lanes (rounded up to a
// power of two), longer ones a warp with P values a lane.
template <typename F>
void with_group(int64_t n, F&& f) {
  using std::integral_constant;
  if (n <= 1) return f(integral_constant<int, 1>{}, integral_constant<int, 1>{});
  if (n <= 2) return f(integral_constant<int, 2>{}, integral_constant<int, 1>{});
  if (n <= 4) return f(integral_constant<int, 4>{}, integral_constant<int, 1>{});
  if (n <= 8) return f(integral_constant<int, 8>{}, integral_constant<int, 1>{});
  if (n <= 16) return f(integral_constant<int, 16>{}, integral_constant<int, 1>{});
  if (n <= 32) return f(integral_constant<int, 32>{}, integral_constant<int, 1>{});
  if (n <= 64) return f(integral_constant<int, 32>{}, integral_constant<int, 2>{});
  if (n <= 128) return f(integral_constant<int, 32>{}, integral_constant<int, 4>{});
  if (n <= 256) return f(integral_constant<int, 32>{}, integral_constant<int, 8>{});
  if (n <= 512) return f(integral_constant<int, 32>{}, integral_constant<int, 16>{});
  return f(integral_constant<int, 32>{}, integral_constant<int, 32>{});
}

constexpr int64_t kSmallRow = 1024;

unsigned row_blocks(int64_t rows, int lanes) {
  const int64_t per_block = kThreads / lanes;
  return static_cast<unsigned>((rows + per_block - 1) / per_block);
}

unsigned big_row_blocks(int64_t rows) { return static_cast<unsigned>(rows < 65535 * 8 ? rows : 65535 * 8); }

}  // namespace

void softmax_rows(const plan::Plan& p, const float* x, float* y, int64_t rows, int64_t n, bool log) {
  if (rows <= 0 || n <= 0) return;
  if (n <= kSmallRow) {
    with_group(n, [&](auto lanes, auto per) {
      constexpr int L = decltype(lanes)::value, P = decltype(per)::value;
      softmax_small_kernel<L, P><<<row_blocks(rows, L), kThreads, 0, stream(p)>>>(x, y, rows, n, log);
    });
  } else {
    softmax_block_kernel<<<big_row_blocks(rows), kRowThreads, 0, stream(p)>>>(x, y, rows, n, log);
  }
  check_launch("softmax_rows");
}

void softmax_rows_backward(const plan::Plan& p, const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log,
                           bool accumulate) {
  if (rows <= 0 || n <= 0) return;
  if (n <= kSmallRow) {
    with_group(n, [&](auto lanes, auto per) {
      constexpr int L = decltype(lanes)::value, P = decltype(per)::value;
      softmax_small_backward_kernel<L, P><<<row_blocks(rows, L), kThreads, 0, stream(p)>>>(y, dy, dx, rows, n, log, accumulate);
    });
  } else {
    softmax_block_backward_kernel<<<big_row_blocks(rows), kRowThreads, 0, stream(p)>>>(y, dy, dx, rows, n, log, accumulate);
  }
  check_launch("softmax_rows_backward");
}

namespace {

// ---- softmax along an inner axis: [outer, n, inner], one thread per (outer, inner) column --

// Adjacent threads take adjacent columns, so each of the n steps reads a coalesced row.
__global__ void softmax_strided_kernel(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t cols = outer * inner, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < cols; c += step) {
    const int64_t o = c / inner, i = c - o * inner;
    const float* xb = x + o * n * inner + i;
    float* yb = y + o * n * inner + i;
    float m = xb[0];
    for (int64_t j = 1; j < n; ++j) m = fmaxf(m, xb[j * inner]);
    float s = 0.0f;
    for (int64_t j = 0; j < n; ++j) s += expf(xb[j * inner] - m);
    const float lse = m + logf(s), inv = 1.0f / s;
    for (int64_t j = 0; j < n; ++j) yb[j * inner] = log ? xb[j * inner] - lse : expf(xb[j * inner] - m) * inv;
  }
}

__global__ void softmax_strided_backward_kernel(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner,
                                                bool log, bool accumulate) {
  const int64_t cols = outer * inner, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < cols; c += step) {
    const int64_t o = c / inner, i = c - o * inner;
    const int64_t base = o * n * inner + i;
    const float* yb = y + base;
    const float* gb = dy + base;
    float* db = dx + base;
    float dot = 0.0f;
    for (int64_t j = 0; j < n; ++j) dot += log ? gb[j * inner] : gb[j * inner] * yb[j * inner];
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = j * inner;
      const float g = log ? gb[k] - expf(yb[k]) * dot : yb[k] * (gb[k] - dot);
      db[k] = accumulate ? db[k] + g : g;
    }
  }
}

// bufs [x, y]; ints [outer, n, inner, log] (sizes may be batch-relative)
void softmax_fwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::SoftmaxAxis ax = kernels::read_softmax_axis(p, in);
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  if (ax.empty()) return;
  if (ax.inner == 1) {
    softmax_rows(p, x, y, ax.outer, ax.n, ax.log);
  } else {
    softmax_strided_kernel<<<blocks_for(ax.outer * ax.inner), kThreads, 0, stream(p)>>>(x, y, ax.outer, ax.n, ax.inner, ax.log);
    check_launch("softmax_fwd");
  }
}

// bufs [y, dy, dx]; ints [outer, n, inner, log, accumulate]
void softmax_bwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::SoftmaxAxis ax = kernels::read_softmax_axis(p, in);
  const bool acc = in.ints.at(4) != 0;
  const float* y = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  if (ax.empty()) return;
  if (ax.inner == 1) {
    softmax_rows_backward(p, y, dy, dx, ax.outer, ax.n, ax.log, acc);
  } else {
    softmax_strided_backward_kernel<<<blocks_for(ax.outer * ax.inner), kThreads, 0, stream(p)>>>(y, dy, dx, ax.outer, ax.n, ax.inner,
                                                                                                 ax.log, acc);
    check_launch("softmax_bwd");
  }
}

STRATA_CUDA_KERNEL("softmax_fwd", softmax_fwd);
STRATA_CUDA_KERNEL("softmax_bwd", softmax_bwd);

}  // namespace
}  // namespace strata::cuda
