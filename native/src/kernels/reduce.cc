// Reductions over any set of axes (ops.sum, mean, max, min), forward next to backward, and
// reduce_to, which binary.cc uses to sum gradients over broadcast axes.
#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "parallel.h"
#include "strided.h"

namespace strata::kernels {
namespace {

inline float reduce_identity(int64_t kind) {
  if (kind == kMaxR) return -std::numeric_limits<float>::infinity();
  if (kind == kMinR) return std::numeric_limits<float>::infinity();
  return 0.0f;
}

// Sum of n contiguous values with eight independent accumulators (vectorizes without
// reassociating the compiler's way).
inline float hsum(const float* x, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
  float s = 0.0f;
  for (; i < n; ++i) s += x[i];
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

template <int64_t KIND>
inline float reduce_run(const float* x, int64_t n) {
  if constexpr (KIND == kSum || KIND == kMean) {
    return hsum(x, n);
  } else {
    float m = reduce_identity(KIND);
    for (int64_t i = 0; i < n; ++i) m = KIND == kMaxR ? std::max(m, x[i]) : std::min(m, x[i]);
    return m;
  }
}

template <int64_t KIND>
inline void combine_into(float* t, const float* x, int64_t n) {
  if constexpr (KIND == kSum || KIND == kMean) {
    for (int64_t i = 0; i < n; ++i) t[i] += x[i];
  } else if constexpr (KIND == kMaxR) {
    for (int64_t i = 0; i < n; ++i) t[i] = std::max(t[i], x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) t[i] = std::min(t[i], x[i]);
  }
}

template <int64_t KIND>
inline float combine(float a, float b) {
  if constexpr (KIND == kMaxR) return std::max(a, b);
  if constexpr (KIND == kMinR) return std::min(a, b);
  return a + b;
}

// The reduction after collapsing: alternating kept / reduced axes of a contiguous input;
// the output is contiguous over the kept axes.
struct ReduceWalk {
  int rank = 0;
  int64_t dim[kMaxRank] = {};
  bool reduced[kMaxRank] = {};
  int64_t out_stride[kMaxRank] = {};
  int64_t n_in = 1, n_out = 1;
};

ReduceWalk reduce_walk(const Dims& xd, const Dims& yd) {
  ReduceWalk w;
  for (int i = 0; i < xd.rank; ++i) {
    w.n_in *= xd.d[i];
    if (xd.d[i] == 1) continue;
    const bool red = yd.d[i] == 1;
    if (w.rank > 0 && w.reduced[w.rank - 1] == red) {
      w.dim[w.rank - 1] *= xd.d[i];
    } else {
      w.dim[w.rank] = xd.d[i];
      w.reduced[w.rank] = red;
      ++w.rank;
    }
  }
  if (w.rank == 0) {
    w.rank = 1;
    w.dim[0] = 1;
    w.reduced[0] = false;
  }
  int64_t s = 1;
  for (int i = w.rank - 1; i >= 0; --i) {
    w.out_stride[i] = w.reduced[i] ? 0 : s;
    if (!w.reduced[i]) s *= w.dim[i];
  }
  w.n_out = s;
  return w;
}

// Folds x's rows [i0_begin, i0_end) of the outermost axis into t (already initialised).
template <int64_t KIND>
void reduce_block(const ReduceWalk& w, const float* x, int64_t i0_begin, int64_t i0_end, float* t) {
  const int r = w.rank;
  int64_t row = 1;
  for (int a = 1; a < r; ++a) row *= w.dim[a];
  if (r == 1) {
    // A single axis: either copied (kept) or folded to one value (reduced).
    if (w.reduced[0]) {
      t[0] = combine<KIND>(t[0], reduce_run<KIND>(x + i0_begin, i0_end - i0_begin));
    } else {
      combine_into<KIND>(t + i0_begin, x + i0_begin, i0_end - i0_begin);
    }
    return;
  }
  const int64_t n = w.dim[r - 1];
  const bool inner_kept = !w.reduced[r - 1];
  const float* xp = x + i0_begin * row;
  int64_t idx[kMaxRank] = {};
  idx[0] = i0_begin;
  int64_t off = i0_begin * w.out_stride[0];
  const int64_t runs = (i0_end - i0_begin) * (row / n);
  for (int64_t k = 0; k < runs; ++k, xp += n) {
    if (inner_kept) {
      combine_into<KIND>(t + off, xp, n);
    } else {
      t[off] = combine<KIND>(t[off], reduce_run<KIND>(xp, n));
    }
    for (int a = r - 2; a >= 0; --a) {
      off += w.out_stride[a];
      if (++idx[a] < w.dim[a]) break;
      off -= w.out_stride[a] * w.dim[a];
      idx[a] = 0;
    }
  }
}

// t = reduce(x) over the walk; t holds n_out values.
template <int64_t KIND>
void reduce_into(const ReduceWalk& w, const float* x, float* t, int threads) {
  const float id = reduce_identity(KIND);
  const int64_t d0 = w.dim[0];
  const int64_t per0 = w.n_in / std::max<int64_t>(d0, 1);
  if (w.n_in == 0) {
    std::fill(t, t + w.n_out, id);
    return;
  }
  if (!w.reduced[0]) {
    // Rows of the outermost axis write disjoint outputs: split them over the pool.
    const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(per0, 1));
    for_range(d0, grain, threads, [&](int64_t b, int64_t e) {
      std::fill(t + b * w.out_stride[0], t + e * w.out_stride[0], id);
      reduce_block<KIND>(w, x, b, e, t);
    });
    return;
  }
  // The outermost axis is reduced: each chunk folds into its own partial result, then the
  // partials are combined.
  int64_t chunks = std::min<int64_t>({static_cast<int64_t>(std::max(threads, 1)), d0, std::max<int64_t>(1, w.n_in / kElementGrain)});
  if (chunks <= 1) {
    std::fill(t, t + w.n_out, id);
    reduce_block<KIND>(w, x, 0, d0, t);
    return;
  }
  float* partial = scratch(3, chunks * w.n_out);
  for_range(chunks, 1, threads, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      float* pc = partial + c * w.n_out;
      std::fill(pc, pc + w.n_out, id);
      reduce_block<KIND>(w, x, c * d0 / chunks, (c + 1) * d0 / chunks, pc);
    }
  });
  std::copy(partial, partial + w.n_out, t);
  for (int64_t c = 1; c < chunks; ++c) combine_into<KIND>(t, partial + c * w.n_out, w.n_out);
}

}  // namespace

void reduce_to(int64_t kind, const float* x, const Dims& xd, const Dims& yd, float* y, float scale, bool accumulate, int threads) {
  const ReduceWalk w = reduce_walk(xd, yd);
  const bool direct = !accumulate && scale == 1.0f;
  float* t = direct ? y : scratch(2, w.n_out);
  switch (kind) {
    case kSum:
    case kMean: reduce_into<kSum>(w, x, t, threads); break;
    case kMaxR: reduce_into<kMaxR>(w, x, t, threads); break;
    case kMinR: reduce_into<kMinR>(w, x, t, threads); break;
    default: throw std::runtime_error("reduce: unknown kind " + std::to_string(kind));
  }
  if (direct) return;
  for_range(w.n_out, kElementGrain, threads, [&](int64_t b, int64_t e) {
    if (accumulate) {
      for (int64_t i = b; i < e; ++i) y[i] += scale * t[i];
    } else {
      for (int64_t i = b; i < e; ++i) y[i] = scale * t[i];
    }
  });
}

namespace {

// dx (+)= scale * dy, dy broadcast from dims yd to xd.
void broadcast_add(const float* dy, const Dims& yd, const Dims& xd, float* dx, float scale, bool accumulate, int threads) {
  const Dims* ops[1] = {&yd};
  const Strided s = broadcast_walk(xd, ops, 2);
  const int64_t sy = s.stride[1][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) {
    float* o = dx + off[0];
    const float* g = dy + off[1];
    if (sy == 0) {
      const float v = scale * g[0];
      if (accumulate) {
        for (int64_t i = 0; i < n; ++i) o[i] += v;
      } else {
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      }
    } else if (accumulate) {
      for (int64_t i = 0; i < n; ++i) o[i] += scale * g[i * sy];
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = scale * g[i * sy];
    }
  });
}

// bufs [x, y]; ints [kind, rank, x dims, y dims (x's rank; 1 along reduced axes)]
// keepdims changes only the shape the TypeScript side gives y, not its values.
void reduce_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const ReduceShape shape = read_reduce_shape(p, r);
  reduce_to(shape.kind, p.f32(in.bufs[0]), shape.xd, shape.yd, p.f32(in.bufs[1]), shape.scale(), false, p.threads);
}

// bufs [x, y, dy, dx]; ints [kind, rank, x dims, y dims, accumulate]
// sum: dx = dy broadcast; mean: divided by the count; max / min: dy goes to the positions that
// hold the extreme, split evenly between ties (TensorFlow's and JAX's rule).
void reduce_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const ReduceShape shape = read_reduce_shape(p, r);
  const int64_t kind = shape.kind;
  const Dims &xd = shape.xd, &yd = shape.yd;
  const bool acc = r.next() != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  if (kind == kSum || kind == kMean) {
    broadcast_add(dy, yd, xd, dx, shape.scale(), acc, p.threads);
    return;
  }
  // mask = (x == y), count = sum(mask) per output, dx (+)= mask * dy / count.
  const int64_t n = xd.size();
  float* mask = scratch(0, n);
  const Dims* ops[2] = {&xd, &yd};
  const Strided s = broadcast_walk(xd, ops, 3);
  const int64_t sx = s.stride[1][s.rank - 1], sy = s.stride[2][s.rank - 1];
  for_strided(s, p.threads, [&](const int64_t* off, int64_t m) {
    for (int64_t i = 0; i < m; ++i) mask[off[0] + i] = x[off[1] + i * sx] == y[off[2] + i * sy] ? 1.0f : 0.0f;
  });
  float* count = scratch(1, yd.size());
  reduce_to(kSum, mask, xd, yd, count, 1.0f, false, p.threads);
  for_strided(s, p.threads, [&](const int64_t* off, int64_t m) {
    for (int64_t i = 0; i < m; ++i) {
      const int64_t o = off[2] + i * sy;
      const float g = mask[off[0] + i] * dy[o] / count[o];
      dx[off[0] + i] = acc ? dx[off[0] + i] + g : g;
    }
  });
}

STRATA_KERNEL("reduce_fwd", reduce_fwd);
STRATA_KERNEL("reduce_bwd", reduce_bwd);

}  // namespace
}  // namespace strata::kernels
