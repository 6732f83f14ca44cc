// Kernels that move values without arithmetic on the device (src/kernels/layout.cc), but
// for the sums of their backward: axis permutation, slicing and concatenation, forward next
// to backward.
//
// Copies move 32-bit words, so int32 tensors move too; gradients (accumulate) add floats.
// Sizes may be batch-relative (see strided.h).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel.cuh"
#include "strided.cuh"

namespace strata::cuda {
namespace {

using Word = uint32_t;

// dst (+)= src over a walk whose operand 0 is dst and operand 1 src.
void strided_copy(const plan::Plan& p, const Strided& s, const float* src, float* dst, bool acc, const char* name) {
  if (acc) {
    launch_strided<2>(p, s, [=] __device__(const int64_t* off) { dst[off[0]] += src[off[1]]; }, name);
  } else {
    const Word* x = reinterpret_cast<const Word*>(src);
    Word* y = reinterpret_cast<Word*>(dst);
    launch_strided<2>(p, s, [=] __device__(const int64_t* off) { y[off[0]] = x[off[1]]; }, name);
  }
}

// ---- transpose -------------------------------------------------------------------------------

constexpr int kTile = 32, kTileRows = 8;

// A transpose in which x is contiguous along walk axis b and y along the last axis a: a
// 2-D transpose per position of the other axes ("planes"), through 32 x 32 tiles in shared
// memory so that reads and writes are both coalesced. T is a word (copies) or a float
// (accumulation). Block (32, 8); a tile per block per step.
template <typename T, bool ACC>
__global__ void transpose_tiled_kernel(const T* x, T* y, Strided s, int b, int64_t tiles_a, int64_t tiles_b, int64_t tiles) {
  __shared__ T tile[kTile][kTile + 1];
  const int a = s.rank - 1;
  const int64_t na = s.dim[a], nb = s.dim[b];
  const int64_t x_step = s.stride[1][a], y_step = s.stride[0][b];
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t b0 = (t % tiles_b) * kTile, a0 = ((t / tiles_b) % tiles_a) * kTile;
    int64_t rem = t / (tiles_b * tiles_a), ox = 0, oy = 0;
#pragma unroll
    for (int i = kMaxRank - 1; i >= 0; --i) {
      if (i < a && i != b) {
        const int64_t idx = rem % s.dim[i];
        rem /= s.dim[i];
        oy += idx * s.stride[0][i];
        ox += idx * s.stride[1][i];
      }
    }
#pragma unroll
    for (int k = 0; k < kTile; k += kTileRows) {
      const int64_t ia = a0 + ty + k, jb = b0 + tx;
      if (ia < na && jb < nb) tile[ty + k][tx] = x[ox + jb + ia * x_step];
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kTile; k += kTileRows) {
      const int64_t ia = a0 + tx, jb = b0 + ty + k;
      if (ia < na && jb < nb) {
        T* d = y + oy + jb * y_step + ia;
        *d = ACC ? *d + tile[tx][ty + k] : tile[tx][ty + k];
      }
    }
    __syncthreads();
  }
}

template <typename T, bool ACC>
void tiled_transpose(const plan::Plan& p, const Strided& s, int b, const T* x, T* y) {
  const int a = s.rank - 1;
  const int64_t tiles_a = (s.dim[a] + kTile - 1) / kTile, tiles_b = (s.dim[b] + kTile - 1) / kTile;
  const int64_t planes = s.total / (s.dim[a] * s.dim[b]);
  const int64_t tiles = planes * tiles_a * tiles_b;
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(tiles, 65535 * 8));
  transpose_tiled_kernel<T, ACC><<<grid, dim3(kTile, kTileRows), 0, stream(p)>>>(x, y, s, b, tiles_a, tiles_b, tiles);
  check_launch("transpose");
}

// bufs [x, y]; ints [rank, x dims, perm, accumulate]: y axis i is x axis perm[i]; y (+)= when
// accumulating (the backward of a transpose is the transpose by the inverse permutation).
void transpose(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const int rank = kernels::read_rank(r);
  const Dims xd = kernels::read_dims(r, rank, p.batch);
  int64_t perm[kMaxRank];
  for (int i = 0; i < rank; ++i) {
    perm[i] = r.next();
    if (perm[i] < 0 || perm[i] >= rank) throw std::runtime_error("transpose: axis " + std::to_string(perm[i]) + " is out of range");
  }
  const bool acc = r.next() != 0;
  int64_t xs[kMaxRank];
  kernels::strides_of(xd, xs, false);
  Dims yd;
  yd.rank = rank;
  for (int i = 0; i < rank; ++i) yd.d[i] = xd.d[perm[i]];
  int64_t strides[kMaxOps][kMaxRank] = {};
  kernels::strides_of(yd, strides[0], false);
  for (int i = 0; i < rank; ++i) strides[1][i] = xs[perm[i]];
  const Strided s = kernels::collapse(rank, yd.d, 2, strides);
  if (s.total == 0) return;
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  // Tiles when x's contiguous axis is not y's; otherwise both sides run contiguously.
  for (int b = 0; b < s.rank - 1; ++b) {
    if (s.stride[1][b] != 1) continue;
    if (acc) return tiled_transpose<float, true>(p, s, b, x, y);
    return tiled_transpose<Word, false>(p, s, b, reinterpret_cast<const Word*>(x), reinterpret_cast<Word*>(y));
  }
  strided_copy(p, s, x, y, acc, "transpose");
}

// ---- slice -----------------------------------------------------------------------------------

struct SliceArgs {
  Dims xd, yd;
  int64_t begin[kMaxRank] = {};
  int64_t base = 0;  // offset of the block's first element in x
  Strided walk;      // operand 0: y (contiguous), operand 1: x
};

SliceArgs read_slice(plan::Plan& p, kernels::IntReader& r) {
  SliceArgs a;
  const int rank = kernels::read_rank(r);
  a.xd = kernels::read_dims(r, rank, p.batch);
  for (int i = 0; i < rank; ++i) a.begin[i] = r.next();
  a.yd = kernels::read_dims(r, rank, p.batch);
  int64_t xs[kMaxRank];
  kernels::strides_of(a.xd, xs, false);
  int64_t strides[kMaxOps][kMaxRank] = {};
  kernels::strides_of(a.yd, strides[0], false);
  for (int i = 0; i < rank; ++i) {
    if (a.begin[i] + a.yd.d[i] > a.xd.d[i]) throw std::runtime_error("slice: the block runs past the end of axis " + std::to_string(i));
    strides[1][i] = xs[i];
    a.base += a.begin[i] * xs[i];
  }
  a.walk = kernels::collapse(rank, a.yd.d, 2, strides);
  return a;
}

// bufs [x, y]; ints [rank, x dims, begin, y dims]: y = the block of x starting at begin.
void slice_fwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const SliceArgs a = read_slice(p, r);
  strided_copy(p, a.walk, p.f32(in.bufs[0]) + a.base, p.f32(in.bufs[1]), false, "slice_fwd");
}

// The block inside x, for writing all of dx in one pass.
struct SliceBox {
  int rank;
  int64_t xd[kMaxRank], begin[kMaxRank], yd[kMaxRank];
};

// dx = dy inside the block, 0 outside: a thread per element of dx.
template <typename I>
__global__ void slice_backward_kernel(const float* dy, float* dx, SliceBox box, I n) {
  const I step = static_cast<I>(gridDim.x) * blockDim.x;
  for (I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    I rem = i, off = 0, ys = 1;
    bool inside = true;
#pragma unroll
    for (int a = kMaxRank - 1; a >= 0; --a) {
      if (a < box.rank) {
        const I d = static_cast<I>(box.xd[a]);
        const I q = rem / d;
        const int64_t c = static_cast<int64_t>(rem - q * d) - box.begin[a];
        rem = q;
        inside = inside && c >= 0 && c < box.yd[a];
        off += static_cast<I>(c) * ys;
        ys *= static_cast<I>(box.yd[a]);
      }
    }
    dx[i] = inside ? dy[off] : 0.0f;
  }
}

// bufs [dy, dx]; ints [rank, x dims, begin, y dims, accumulate]: dx = 0 outside the block, dy inside.
void slice_bwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const SliceArgs a = read_slice(p, r);
  const bool acc = r.next() != 0;
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  if (acc) {
    // dx (strided, operand 1) += dy (contiguous, operand 0).
    float* base = dx + a.base;
    launch_strided<2>(p, a.walk, [=] __device__(const int64_t* off) { base[off[1]] += dy[off[0]]; }, "slice_bwd");
    return;
  }
  const int64_t n = a.xd.size();
  if (n == 0) return;
  SliceBox box{a.xd.rank, {}, {}, {}};
  for (int i = 0; i < a.xd.rank; ++i) {
    box.xd[i] = a.xd.d[i];
    box.begin[i] = a.begin[i];
    box.yd[i] = a.yd.d[i];
  }
  if (n <= INT_MAX) {
    slice_backward_kernel<uint32_t><<<blocks_for(n), kThreads, 0, stream(p)>>>(dy, dx, box, static_cast<uint32_t>(n));
  } else {
    slice_backward_kernel<int64_t><<<blocks_for(n), kThreads, 0, stream(p)>>>(dy, dx, box, n);
  }
  check_launch("slice_bwd");
}

// ---- concatenate -----------------------------------------------------------------------------

// Up to kGroup pieces moved by one launch. Per outer row, the group's pieces lie one after
// another in the launch's index space (piece k from `start[k]`, `len[k]` values); in y's
// row, piece k starts at `y_off[k]`.
constexpr int kGroup = 8;

struct ConcatGroup {
  int n = 0;
  float* piece[kGroup] = {};  // x_k (forward) or dx_k (backward)
  int64_t start[kGroup] = {}, len[kGroup] = {}, y_off[kGroup] = {};
  bool acc[kGroup] = {};
  int64_t group_len = 0;  // sum of len
  int64_t row = 0;        // y's row: total * inner
};

// BACKWARD: dx_k (+)= dy; otherwise y = x_k. The piece is chosen by an unrolled scan so
// that the group's arrays are indexed by constants.
template <bool BACKWARD, typename I>
__global__ void concat_kernel(ConcatGroup g, float* y, I n) {
  const I step = static_cast<I>(gridDim.x) * blockDim.x;
  const I group_len = static_cast<I>(g.group_len);
  for (I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const I o = i / group_len, c = i - o * group_len;
    float* piece = g.piece[0];
    I start = 0, len = static_cast<I>(g.len[0]), y_off = static_cast<I>(g.y_off[0]);
    bool acc = g.acc[0];
#pragma unroll
    for (int k = 1; k < kGroup; ++k) {
      if (k < g.n && c >= static_cast<I>(g.start[k])) {
        piece = g.piece[k];
        start = static_cast<I>(g.start[k]);
        len = static_cast<I>(g.len[k]);
        y_off = static_cast<I>(g.y_off[k]);
        acc = g.acc[k];
      }
    }
    const I yi = o * static_cast<I>(g.row) + y_off + (c - start), pi = o * len + (c - start);
    if (BACKWARD) {
      piece[pi] = acc ? piece[pi] + y[yi] : y[yi];
    } else {
      reinterpret_cast<Word*>(y)[yi] = reinterpret_cast<const Word*>(piece)[pi];
    }
  }
}

template <bool BACKWARD>
void concat_launch(const plan::Plan& p, const ConcatGroup& g, float* y, int64_t outer) {
  const int64_t n = outer * g.group_len;
  if (n <= 0) return;
  if (outer * g.row <= INT_MAX) {
    concat_kernel<BACKWARD, uint32_t><<<blocks_for(n), kThreads, 0, stream(p)>>>(g, y, static_cast<uint32_t>(n));
  } else {
    concat_kernel<BACKWARD, int64_t><<<blocks_for(n), kThreads, 0, stream(p)>>>(g, y, n);
  }
  check_launch(BACKWARD ? "concat_bwd" : "concat_fwd");
}

// Moves the pieces (null ones skipped) in groups of up to kGroup, one launch per group.
template <bool BACKWARD>
void concat_run(const plan::Plan& p, const kernels::ConcatArgs& a, const std::vector<float*>& pieces, const std::vector<bool>& acc, float* y) {
  ConcatGroup g;
  g.row = a.total * a.inner;
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (!pieces[k]) continue;
    g.piece[g.n] = pieces[k];
    g.start[g.n] = g.group_len;
    g.len[g.n] = a.sizes[k] * a.inner;
    g.y_off[g.n] = a.offsets[k] * a.inner;
    g.acc[g.n] = acc[k];
    g.group_len += g.len[g.n];
    if (++g.n == kGroup) {
      concat_launch<BACKWARD>(p, g, y, a.outer);
      g = ConcatGroup{};
      g.row = a.total * a.inner;
    }
  }
  if (g.n > 0) concat_launch<BACKWARD>(p, g, y, a.outer);
}

// bufs [x_0 … x_n-1, y]; ints [outer, inner, n, size_k…]: the inputs side by side along an axis
// (outer: the positions before it, inner: after it, size_k: each input's extent along it).
void concat_fwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const kernels::ConcatArgs a = kernels::read_concat(p, r);
  const size_t n = a.sizes.size();
  std::vector<float*> xs(n);
  for (size_t k = 0; k < n; ++k) xs[k] = p.f32(in.bufs[k]);
  concat_run<false>(p, a, xs, std::vector<bool>(n, false), p.f32(in.bufs[n]));
}

// bufs [dy, dx_0 or -1, …]; ints [outer, inner, n, size_k…, accumulate_k…]
void concat_bwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const kernels::ConcatArgs a = kernels::read_concat(p, r);
  const size_t n = a.sizes.size();
  std::vector<bool> acc(n);
  for (size_t k = 0; k < n; ++k) acc[k] = r.next() != 0;
  std::vector<float*> dxs(n);
  for (size_t k = 0; k < n; ++k) dxs[k] = in.bufs[k + 1] >= 0 ? p.f32(in.bufs[k + 1]) : nullptr;
  concat_run<true>(p, a, dxs, acc, p.f32(in.bufs[0]));
}

STRATA_CUDA_KERNEL("transpose", transpose);
STRATA_CUDA_KERNEL("slice_fwd", slice_fwd);
STRATA_CUDA_KERNEL("slice_bwd", slice_bwd);
STRATA_CUDA_KERNEL("concat_fwd", concat_fwd);
STRATA_CUDA_KERNEL("concat_bwd", concat_bwd);

}  // namespace
}  // namespace strata::cuda
