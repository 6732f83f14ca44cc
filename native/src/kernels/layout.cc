// Kernels that move values without arithmetic (but for the sums of their backward): axis
// permutation, slicing and concatenation. They serve the layers (Permute, channels_first
// convolutions and Flatten, Concatenate, Dot) as well as a custom layer's traced ops.
// Forward next to backward.
//
// Copies move 32-bit words, so int32 tensors move too; gradients (accumulate) add floats.
// Sizes may be batch-relative (see strided.h).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../plan/plan.h"
#include "parallel.h"
#include "strided.h"

namespace strata::kernels {
namespace {

// Copies a strided source into a contiguous destination walk (operand 0 dst, 1 src).
void strided_copy(const Strided& s, const float* src, float* dst, bool acc, int threads) {
  const int64_t ss = s.stride[1][s.rank - 1], sd = s.stride[0][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) {
    float* d = dst + off[0];
    const float* x = src + off[1];
    if (acc) {
      for (int64_t i = 0; i < n; ++i) d[i * sd] += x[i * ss];
    } else if (ss == 1 && sd == 1) {
      std::memcpy(d, x, static_cast<size_t>(n) * sizeof(float));
    } else {
      const uint32_t* xi = reinterpret_cast<const uint32_t*>(x);
      uint32_t* di = reinterpret_cast<uint32_t*>(d);
      for (int64_t i = 0; i < n; ++i) di[i * sd] = xi[i * ss];
    }
  });
}

// ---- transpose -------------------------------------------------------------------------------

// The walk of a transpose in which x is contiguous along axis b and y along the last axis a
// (a 2-D transpose per position of the other axes, e.g. channels_first <-> channels_last):
// copied in square tiles, so that both the reads and the writes stay within cache lines.
// Tasks own kTile positions of a in one plane.
void tiled_transpose(const Strided& s, int b, const float* x, float* y, bool acc, int threads) {
  constexpr int64_t kTile = 32;
  const int a = s.rank - 1;
  const int64_t na = s.dim[a], nb = s.dim[b];
  const int64_t x_step = s.stride[1][a], y_step = s.stride[0][b];
  const int64_t tiles = (na + kTile - 1) / kTile, planes = s.total / (na * nb);
  const int64_t grain = std::max<int64_t>(1, kElementGrain / (kTile * nb));
  for_range(planes * tiles, grain, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t rem = t / tiles, ox = 0, oy = 0;
      for (int i = a - 1; i >= 0; --i) {
        if (i == b) continue;
        const int64_t idx = rem % s.dim[i];
        rem /= s.dim[i];
        oy += idx * s.stride[0][i];
        ox += idx * s.stride[1][i];
      }
      const int64_t a0 = (t % tiles) * kTile, a1 = std::min(na, a0 + kTile);
      for (int64_t b0 = 0; b0 < nb; b0 += kTile) {
        const int64_t b1 = std::min(nb, b0 + kTile);
        for (int64_t j = b0; j < b1; ++j) {
          const float* src = x + ox + j;
          float* dst = y + oy + j * y_step;
          if (acc) {
            for (int64_t i = a0; i < a1; ++i) dst[i] += src[i * x_step];
          } else {
            for (int64_t i = a0; i < a1; ++i) dst[i] = src[i * x_step];
          }
        }
      }
    }
  });
}

// bufs [x, y]; ints [rank, x dims, perm, accumulate]: y axis i is x axis perm[i]; y (+)= when
// accumulating (the backward of a transpose is the transpose by the inverse permutation).
void transpose(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const int rank = read_rank(r);
  const Dims xd = read_dims(r, rank, p.batch);
  int64_t perm[kMaxRank];
  for (int i = 0; i < rank; ++i) perm[i] = r.next();
  const bool acc = r.next() != 0;
  int64_t xs[kMaxRank];
  strides_of(xd, xs, false);
  Dims yd;
  yd.rank = rank;
  for (int i = 0; i < rank; ++i) yd.d[i] = xd.d[perm[i]];
  int64_t strides[kMaxOps][kMaxRank] = {};
  strides_of(yd, strides[0], false);
  for (int i = 0; i < rank; ++i) strides[1][i] = xs[perm[i]];
  const Strided s = collapse(rank, yd.d, 2, strides);
  if (s.total == 0) return;
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  // Tiles when x's contiguous axis is not y's; otherwise both sides run contiguously.
  for (int b = 0; b < s.rank - 1; ++b) {
    if (s.stride[1][b] == 1) return tiled_transpose(s, b, x, y, acc, p.threads);
  }
  strided_copy(s, x, y, acc, p.threads);
}

// ---- slice and concatenate ---------------------------------------------------------------

struct SliceArgs {
  Dims xd, yd;
  int64_t base = 0;  // offset of the block's first element in x
  Strided walk;      // operand 0: y (contiguous), operand 1: x
};

SliceArgs read_slice(plan::Plan& p, IntReader& r) {
  SliceArgs a;
  const int rank = read_rank(r);
  a.xd = read_dims(r, rank, p.batch);
  int64_t begin[kMaxRank];
  for (int i = 0; i < rank; ++i) begin[i] = r.next();
  a.yd = read_dims(r, rank, p.batch);
  int64_t xs[kMaxRank];
  strides_of(a.xd, xs, false);
  int64_t strides[kMaxOps][kMaxRank] = {};
  strides_of(a.yd, strides[0], false);
  for (int i = 0; i < rank; ++i) {
    if (begin[i] + a.yd.d[i] > a.xd.d[i]) throw std::runtime_error("slice: the block runs past the end of axis " + std::to_string(i));
    strides[1][i] = xs[i];
    a.base += begin[i] * xs[i];
  }
  a.walk = collapse(rank, a.yd.d, 2, strides);
  return a;
}

// bufs [x, y]; ints [rank, x dims, begin, y dims]: y = the block of x starting at begin.
void slice_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const SliceArgs a = read_slice(p, r);
  strided_copy(a.walk, p.f32(in.bufs[0]) + a.base, p.f32(in.bufs[1]), false, p.threads);
}

// bufs [dy, dx]; ints [rank, x dims, begin, y dims, accumulate]: dx = 0 outside the block, dy inside.
void slice_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const SliceArgs a = read_slice(p, r);
  const bool acc = r.next() != 0;
  float* dx = p.f32(in.bufs[1]);
  if (!acc) {
    const int64_t n = a.xd.size();
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) { std::fill(dx + b, dx + e, 0.0f); });
  }
  // Swap the roles: dx (strided, operand 1) += dy (contiguous, operand 0).
  const Strided& s = a.walk;
  const int64_t sx = s.stride[1][s.rank - 1];
  const float* dy = p.f32(in.bufs[0]);
  float* base = dx + a.base;
  for_strided(s, p.threads, [&](const int64_t* off, int64_t n) {
    const float* g = dy + off[0];
    float* d = base + off[1];
    for (int64_t i = 0; i < n; ++i) d[i * sx] += g[i];
  });
}

// bufs [x_0 … x_n-1, y]; ints [outer, inner, n, size_k…]: the inputs side by side along an axis
// (outer: the positions before it, inner: after it, size_k: each input's extent along it).
// Row after row of y, each row's pieces one after another, so that y is written in order.
void concat_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const ConcatArgs a = read_concat(p, r);
  const size_t n = a.sizes.size();
  std::vector<const float*> xs(n);
  for (size_t k = 0; k < n; ++k) xs[k] = p.f32(in.bufs[k]);
  float* y = p.f32(in.bufs[n]);
  const int64_t row = a.total * a.inner;
  for_rows(a.outer, row, p.threads, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      for (size_t k = 0; k < n; ++k) {
        const int64_t len = a.sizes[k] * a.inner;
        std::memcpy(y + o * row + a.offsets[k] * a.inner, xs[k] + o * len, static_cast<size_t>(len) * sizeof(float));
      }
    }
  });
}

// bufs [dy, dx_0 or -1, …]; ints [outer, inner, n, size_k…, accumulate_k…]
void concat_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const ConcatArgs a = read_concat(p, r);
  const size_t n = a.sizes.size();
  std::vector<bool> acc(n);
  for (size_t k = 0; k < n; ++k) acc[k] = r.next() != 0;
  std::vector<float*> dxs(n);
  for (size_t k = 0; k < n; ++k) dxs[k] = in.bufs[k + 1] >= 0 ? p.f32(in.bufs[k + 1]) : nullptr;
  const float* dy = p.f32(in.bufs[0]);
  const int64_t row = a.total * a.inner;
  for_rows(a.outer, row, p.threads, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      for (size_t k = 0; k < n; ++k) {
        if (!dxs[k]) continue;
        const int64_t len = a.sizes[k] * a.inner;
        const float* g = dy + o * row + a.offsets[k] * a.inner;
        float* d = dxs[k] + o * len;
        if (acc[k]) {
          for (int64_t i = 0; i < len; ++i) d[i] += g[i];
        } else {
          std::memcpy(d, g, static_cast<size_t>(len) * sizeof(float));
        }
      }
    }
  });
}

STRATA_KERNEL("transpose", transpose);
STRATA_KERNEL("slice_fwd", slice_fwd);
STRATA_KERNEL("slice_bwd", slice_bwd);
STRATA_KERNEL("concat_fwd", concat_fwd);
STRATA_KERNEL("concat_bwd", concat_bwd);

}  // namespace
}  // namespace strata::kernels
