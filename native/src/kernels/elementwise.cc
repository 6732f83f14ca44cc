// Element-wise, broadcasting, reduction and data-movement kernels: what a custom layer's traced
// ops (electron/engine/ops/table.ts) lower to, and what the activation layers with options
// (ReLU, LeakyReLU, ELU, PReLU, Softmax on any axis) use. Forward and backward of each op sit
// next to each other.
//
// Shapes come as attributes. A size >= 0 is static; a negative size -f means f times the
// plan's current batch (a value whose batch axis was merged with f other positions by a
// reshape, or 1 for a plain batch axis). Kernels resolve sizes when they run, so the last,
// smaller batch of an epoch runs on the same instructions.
//
// Kernel names carry the prefix `ew_` (other families register their own `transpose`,
// `concat_fwd`, …).
//
// Most kernels walk their operands with one engine (`Strided`): the output is contiguous,
// each operand has its own strides (0 along an axis it is broadcast over), size-1 axes are
// dropped and axes that are contiguous for every operand are merged, so that the innermost
// loop is as long as possible and, in the common cases (same shape, a scalar, a row vector),
// has unit or zero strides and vectorizes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

constexpr int kMaxRank = 8;  // the TypeScript side refuses higher ranks
constexpr int kMaxOps = 3;   // operand layouts one Strided walk tracks

// ---- attributes --------------------------------------------------------------------------------

struct IntReader {
  const std::vector<int64_t>& v;
  size_t pos = 0;
  int64_t next() {
    if (pos >= v.size()) throw std::runtime_error("elementwise kernel: too few integer attributes");
    return v[pos++];
  }
};

inline int64_t resolve(int64_t d, int64_t batch) { return d < 0 ? -d * batch : d; }

struct Dims {
  int rank = 0;
  int64_t d[kMaxRank] = {};
  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= d[i];
    return n;
  }
};

int read_rank(IntReader& r) {
  const int64_t rank = r.next();
  if (rank < 0 || rank > kMaxRank) throw std::runtime_error("elementwise kernel: rank " + std::to_string(rank) + " is not supported");
  return static_cast<int>(rank);
}

Dims read_dims(IntReader& r, int rank, int64_t batch) {
  Dims out;
  out.rank = rank;
  for (int i = 0; i < rank; ++i) out.d[i] = resolve(r.next(), batch);
  return out;
}

// Row-major strides of `dims`; with `broadcast`, 0 along size-1 axes (they repeat).
void strides_of(const Dims& dims, int64_t* s, bool broadcast) {
  int64_t n = 1;
  for (int i = dims.rank - 1; i >= 0; --i) {
    s[i] = (broadcast && dims.d[i] == 1) ? 0 : n;
    n *= dims.d[i];
  }
}

// Scratch memory reused across steps (kernels run one at a time on the plan's thread).
float* scratch(int slot, int64_t n) {
  static thread_local std::vector<float> pool[4];
  std::vector<float>& v = pool[slot];
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

// ---- the strided walk --------------------------------------------------------------------------

struct Strided {
  int rank = 0;
  int nops = 0;
  int64_t dim[kMaxRank] = {};
  int64_t stride[kMaxOps][kMaxRank] = {};
  int64_t total = 0;
};

// Drops size-1 axes and merges an axis into the one outside it when every operand steps
// through both as through one (stride_outer == stride_inner * dim_inner).
Strided collapse(int rank, const int64_t* dims, int nops, const int64_t (*strides)[kMaxRank]) {
  Strided s;
  s.nops = nops;
  s.total = 1;
  for (int i = 0; i < rank; ++i) s.total *= dims[i];
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 1) continue;
    if (s.rank > 0) {
      const int p = s.rank - 1;
      bool merge = true;
      for (int k = 0; k < nops; ++k) merge = merge && s.stride[k][p] == strides[k][i] * dims[i];
      if (merge) {
        s.dim[p] *= dims[i];
        for (int k = 0; k < nops; ++k) s.stride[k][p] = strides[k][i];
        continue;
      }
    }
    s.dim[s.rank] = dims[i];
    for (int k = 0; k < nops; ++k) s.stride[k][s.rank] = strides[k][i];
    ++s.rank;
  }
  if (s.rank == 0) {
    s.rank = 1;
    s.dim[0] = 1;
    for (int k = 0; k < nops; ++k) s.stride[k][0] = 1;
  }
  return s;
}

// Calls f(off, n) for every innermost run: `off[k]` is where operand k starts, the run is n
// long with strides s.stride[k][s.rank - 1]. Runs are split over the pool.
template <typename F>
void for_strided(const Strided& s, int threads, F&& f) {
  if (s.total == 0) return;
  const int r = s.rank;
  const int64_t n = s.dim[r - 1];
  const int64_t outer = s.total / n;
  const int64_t grain = std::max<int64_t>(1, kElementGrain / n);
  for_range(outer, grain, threads, [&](int64_t b, int64_t e) {
    int64_t idx[kMaxRank] = {};
    int64_t off[kMaxOps] = {};
    int64_t rem = b;
    for (int a = r - 2; a >= 0; --a) {
      idx[a] = rem % s.dim[a];
      rem /= s.dim[a];
      for (int k = 0; k < s.nops; ++k) off[k] += idx[a] * s.stride[k][a];
    }
    for (int64_t o = b; o < e; ++o) {
      f(static_cast<const int64_t*>(off), n);
      for (int a = r - 2; a >= 0; --a) {
        for (int k = 0; k < s.nops; ++k) off[k] += s.stride[k][a];
        if (++idx[a] < s.dim[a]) break;
        for (int k = 0; k < s.nops; ++k) off[k] -= s.stride[k][a] * s.dim[a];
        idx[a] = 0;
      }
    }
  });
}

// The walk of an output of dims `out` and operands broadcast to it (each operand's dims are
// aligned to out's rank; a size-1 axis repeats). An operand may be larger than the output
// along the batch axis (a constant sized for a fixed batch, read for the current one).
Strided broadcast_walk(const Dims& out, const Dims* const* operands, int nops) {
  int64_t strides[kMaxOps][kMaxRank] = {};
  strides_of(out, strides[0], false);
  for (int k = 1; k < nops; ++k) {
    const Dims& d = *operands[k - 1];
    for (int i = 0; i < out.rank; ++i) {
      if (d.d[i] != 1 && d.d[i] < out.d[i]) {
        throw std::runtime_error("elementwise kernel: an operand of size " + std::to_string(d.d[i]) + " cannot broadcast to size " +
                                 std::to_string(out.d[i]) + " (is the batch larger than the size a constant was made for?)");
      }
    }
    strides_of(d, strides[k], true);
  }
  return collapse(out.rank, out.d, nops, strides);
}

// ---- binary ops with broadcasting ------------------------------------------------------------

enum BinaryOp : int64_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kPow = 6, kPrelu = 7 };

template <int OP>
inline float binary(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return a >= b ? a : b;
  if constexpr (OP == kMin) return a <= b ? a : b;
  if constexpr (OP == kPow) return std::pow(a, b);
  if constexpr (OP == kPrelu) return a > 0.0f ? a : b * a;  // b: the learned slope
  return 0.0f;
}

// d op(a, b) / da and / db, times dy. y = op(a, b) is given for the rules that reuse it.
// Ties of maximum / minimum go to a (TensorFlow's rule).
template <int OP, int WHICH>
inline float binary_grad(float a, float b, float y, float dy) {
  if constexpr (OP == kAdd) return dy;
  if constexpr (OP == kSub) return WHICH == 0 ? dy : -dy;
  if constexpr (OP == kMul) return WHICH == 0 ? dy * b : dy * a;
  if constexpr (OP == kDiv) return WHICH == 0 ? dy / b : -dy * y / b;
  if constexpr (OP == kMax) return (WHICH == 0) == (a >= b) ? dy : 0.0f;
  if constexpr (OP == kMin) return (WHICH == 0) == (a <= b) ? dy : 0.0f;
  if constexpr (OP == kPow) {
    if (WHICH == 0) return b == 0.0f ? 0.0f : dy * b * std::pow(a, b - 1.0f);
    return a > 0.0f ? dy * y * std::log(a) : 0.0f;
  }
  if constexpr (OP == kPrelu) return WHICH == 0 ? (a > 0.0f ? dy : dy * b) : (a > 0.0f ? 0.0f : dy * a);
  return 0.0f;
}

// One innermost run; the unit- and zero-stride cases are written out so that they vectorize.
template <int OP>
void binary_run(float* y, const float* a, int64_t sa, const float* b, int64_t sb, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i * sa], b[i * sb]);
  }
}

struct BinaryArgs {
  int64_t op = 0;
  Dims out, da, db;
  const float* a = nullptr;
  const float* b = nullptr;
};

// bufs [a or -1, b or -1, ...]; ints [op, rank, out dims, a dims, b dims, ...]; floats [a, b]
// constants (a JS number operand has no buffer: its value is a float attribute).
BinaryArgs read_binary(plan::Plan& p, const plan::Instr& in, IntReader& r) {
  BinaryArgs args;
  args.op = r.next();
  const int rank = read_rank(r);
  args.out = read_dims(r, rank, p.batch);
  args.da = read_dims(r, rank, p.batch);
  args.db = read_dims(r, rank, p.batch);
  args.a = in.bufs[0] >= 0 ? p.f32(in.bufs[0]) : &in.floats.at(0);
  args.b = in.bufs[1] >= 0 ? p.f32(in.bufs[1]) : &in.floats.at(1);
  return args;
}

template <int OP>
void binary_forward(const BinaryArgs& args, float* y, int threads) {
  const Dims* ops[2] = {&args.da, &args.db};
  const Strided s = broadcast_walk(args.out, ops, 3);
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) { binary_run<OP>(y + off[0], args.a + off[1], sa, args.b + off[2], sb, n); });
}

// y = a op b, broadcast (NumPy rules).
void binary_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  float* y = p.f32(in.bufs[2]);
  switch (args.op) {
    case kAdd: return binary_forward<kAdd>(args, y, p.threads);
    case kSub: return binary_forward<kSub>(args, y, p.threads);
    case kMul: return binary_forward<kMul>(args, y, p.threads);
    case kDiv: return binary_forward<kDiv>(args, y, p.threads);
    case kMax: return binary_forward<kMax>(args, y, p.threads);
    case kMin: return binary_forward<kMin>(args, y, p.threads);
    case kPow: return binary_forward<kPow>(args, y, p.threads);
    case kPrelu: return binary_forward<kPrelu>(args, y, p.threads);
    default: throw std::runtime_error("binary_fwd: unknown op " + std::to_string(args.op));
  }
}

// ---- reductions ------------------------------------------------------------------------------

enum ReduceKind : int64_t { kSum = 0, kMean = 1, kMaxR = 2, kMinR = 3 };

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

// y (+)= scale * reduce(x) for sums and means (scale = 1 / count for a mean); y = reduce(x)
// for max / min.
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

// How many of the values a reduction folded: the mean's divisor.
float reduced_count(const Dims& xd, const Dims& yd) {
  const int64_t in = xd.size(), out = yd.size();
  return out == 0 ? 1.0f : static_cast<float>(static_cast<double>(in) / static_cast<double>(out));
}

// bufs [x, y]; ints [kind, rank, x dims, y dims (x's rank; 1 along reduced axes)]
// keepdims changes only the shape the TypeScript side gives y, not its values.
void reduce_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const int64_t kind = r.next();
  const int rank = read_rank(r);
  const Dims xd = read_dims(r, rank, p.batch), yd = read_dims(r, rank, p.batch);
  const float scale = kind == kMean ? 1.0f / reduced_count(xd, yd) : 1.0f;
  reduce_to(kind, p.f32(in.bufs[0]), xd, yd, p.f32(in.bufs[1]), scale, false, p.threads);
}

// bufs [x, y, dy, dx]; ints [kind, rank, x dims, y dims, accumulate]
// sum: dx = dy broadcast; mean: divided by the count; max / min: dy goes to the positions that
// hold the extreme, split evenly between ties (TensorFlow's and JAX's rule).
void reduce_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const int64_t kind = r.next();
  const int rank = read_rank(r);
  const Dims xd = read_dims(r, rank, p.batch), yd = read_dims(r, rank, p.batch);
  const bool acc = r.next() != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  if (kind == kSum || kind == kMean) {
    broadcast_add(dy, yd, xd, dx, kind == kMean ? 1.0f / reduced_count(xd, yd) : 1.0f, acc, p.threads);
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

// ---- binary backward (after the reductions it uses) ------------------------------------------

template <int OP, int WHICH>
void binary_grad_run(float* g, bool acc, const float* a, int64_t sa, const float* b, int64_t sb, const float* y, const float* dy,
                     int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i], b[i], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i], bv, y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(av, b[i], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i * sa], b[i * sb], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  }
}

// The gradient of operand WHICH: computed in place when the operand has the output's shape,
// otherwise over the output's shape into scratch and summed over its broadcast axes.
template <int OP, int WHICH>
void binary_backward_one(const BinaryArgs& args, const float* y, const float* dy, float* target, bool acc, int threads) {
  const Dims& own = WHICH == 0 ? args.da : args.db;
  bool same = own.rank == args.out.rank;
  for (int i = 0; same && i < own.rank; ++i) same = own.d[i] == args.out.d[i];
  // Sums and differences pass dy through: reduce it directly.
  if ((OP == kAdd || OP == kSub) && !same) {
    reduce_to(kSum, dy, args.out, own, target, (OP == kSub && WHICH == 1) ? -1.0f : 1.0f, acc, threads);
    return;
  }
  float* g = same ? target : scratch(0, args.out.size());
  const bool g_acc = same && acc;
  const Dims* ops[2] = {&args.da, &args.db};
  const Strided s = broadcast_walk(args.out, ops, 3);
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) {
    binary_grad_run<OP, WHICH>(g + off[0], g_acc, args.a + off[1], sa, args.b + off[2], sb, y + off[0], dy + off[0], n);
  });
  if (!same) reduce_to(kSum, g, args.out, own, target, 1.0f, acc, threads);
}

template <int OP>
void binary_backward(const BinaryArgs& args, const float* y, const float* dy, float* da, bool acc_a, float* db, bool acc_b, int threads) {
  if (da) binary_backward_one<OP, 0>(args, y, dy, da, acc_a, threads);
  if (db) binary_backward_one<OP, 1>(args, y, dy, db, acc_b, threads);
}

// bufs [a or -1, b or -1, y, dy, da or -1, db or -1]; ints [op, rank, out, a, b dims, accumulate da, accumulate db]
void binary_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  const bool acc_a = r.next() != 0, acc_b = r.next() != 0;
  const float* y = p.f32(in.bufs[2]);
  const float* dy = p.f32(in.bufs[3]);
  float* da = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  float* db = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  switch (args.op) {
    case kAdd: return binary_backward<kAdd>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kSub: return binary_backward<kSub>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMul: return binary_backward<kMul>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kDiv: return binary_backward<kDiv>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMax: return binary_backward<kMax>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMin: return binary_backward<kMin>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kPow: return binary_backward<kPow>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kPrelu: return binary_backward<kPrelu>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    default: throw std::runtime_error("binary_bwd: unknown op " + std::to_string(args.op));
  }
}

// ---- unary ops ---------------------------------------------------------------------------------

enum UnaryOp : int64_t {
  kReluU = 0,
  kSigmoidU = 1,
  kTanhU = 2,
  kExp = 3,
  kLog = 4,
  kSqrt = 5,
  kSquare = 6,
  kAbs = 7,
  kNegative = 8,
  kReluExt = 9,   // Keras' ReLU layer: floats [negative_slope, threshold, max_value or < 0 for none]
  kEluAlpha = 10, // floats [alpha]
  kLeaky = 11,    // floats [negative_slope]: x >= 0 ? x : slope * x
};

struct UnaryParams {
  float p0 = 0, p1 = 0, p2 = 0;
};

// Keras 3's relu(x, negative_slope, max_value, threshold): x above the threshold (capped at
// max_value), negative_slope * (x - threshold) below it.
inline float relu_ext(float x, const UnaryParams& q) {
  if (x > q.p1) return q.p2 >= 0.0f ? std::min(x, q.p2) : x;
  return q.p0 * (x - q.p1);
}

template <int64_t OP>
inline float unary(float x, const UnaryParams& q) {
  if constexpr (OP == kReluU) return x > 0.0f ? x : 0.0f;
  if constexpr (OP == kSigmoidU) return sigmoid(x);
  if constexpr (OP == kTanhU) return std::tanh(x);
  if constexpr (OP == kExp) return std::exp(x);
  if constexpr (OP == kLog) return std::log(x);
  if constexpr (OP == kSqrt) return std::sqrt(x);
  if constexpr (OP == kSquare) return x * x;
  if constexpr (OP == kAbs) return std::fabs(x);
  if constexpr (OP == kNegative) return -x;
  if constexpr (OP == kReluExt) return relu_ext(x, q);
  if constexpr (OP == kEluAlpha) return x > 0.0f ? x : q.p0 * std::expm1(x);
  if constexpr (OP == kLeaky) return x >= 0.0f ? x : q.p0 * x;
  return x;
}

// dL/dx from the input x, the output y and dL/dy.
template <int64_t OP>
inline float unary_grad(float x, float y, float dy, const UnaryParams& q) {
  if constexpr (OP == kReluU) return y > 0.0f ? dy : 0.0f;
  if constexpr (OP == kSigmoidU) return dy * y * (1.0f - y);
  if constexpr (OP == kTanhU) return dy * (1.0f - y * y);
  if constexpr (OP == kExp) return dy * y;
  if constexpr (OP == kLog) return dy / x;
  if constexpr (OP == kSqrt) return dy * 0.5f / y;
  if constexpr (OP == kSquare) return 2.0f * x * dy;
  if constexpr (OP == kAbs) return x > 0.0f ? dy : (x < 0.0f ? -dy : 0.0f);
  if constexpr (OP == kNegative) return -dy;
  if constexpr (OP == kReluExt) {
    if (x > q.p1) return (q.p2 >= 0.0f && x >= q.p2) ? 0.0f : dy;
    return q.p0 * dy;
  }
  if constexpr (OP == kEluAlpha) return x > 0.0f ? dy : dy * (y + q.p0);
  if constexpr (OP == kLeaky) return x >= 0.0f ? dy : q.p0 * dy;
  return dy;
}

template <int64_t OP>
void unary_forward(const float* x, float* y, int64_t n, const UnaryParams& q, int threads) {
  for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = unary<OP>(x[i], q);
  });
}

template <int64_t OP>
void unary_backward(const float* x, const float* y, const float* dy, float* dx, int64_t n, bool acc, const UnaryParams& q, int threads) {
  for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
    if (acc) {
      for (int64_t i = b; i < e; ++i) dx[i] += unary_grad<OP>(x[i], y[i], dy[i], q);
    } else {
      for (int64_t i = b; i < e; ++i) dx[i] = unary_grad<OP>(x[i], y[i], dy[i], q);
    }
  });
}

UnaryParams unary_params(const plan::Instr& in) {
  UnaryParams q;
  if (in.floats.size() > 0) q.p0 = in.floats[0];
  if (in.floats.size() > 1) q.p1 = in.floats[1];
  if (in.floats.size() > 2) q.p2 = in.floats[2];
  return q;
}

#define STRATA_UNARY_CASES(CALL) \
  CALL(kReluU)                   \
  CALL(kSigmoidU)                \
  CALL(kTanhU)                   \
  CALL(kExp)                     \
  CALL(kLog)                     \
  CALL(kSqrt)                    \
  CALL(kSquare)                  \
  CALL(kAbs)                     \
  CALL(kNegative)                \
  CALL(kReluExt)                 \
  CALL(kEluAlpha)                \
  CALL(kLeaky)

// bufs [x, y]; ints [op]; floats [params]
void unary_fwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t n = p.count(in.bufs[1]);
  const UnaryParams q = unary_params(in);
  switch (in.ints.at(0)) {
#define CASE(OP) \
  case OP: return unary_forward<OP>(x, y, n, q, p.threads);
    STRATA_UNARY_CASES(CASE)
#undef CASE
    default: throw std::runtime_error("unary_fwd: unknown op " + std::to_string(in.ints.at(0)));
  }
}

// bufs [x, y, dy, dx]; ints [op, accumulate]; floats [params]
void unary_bwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  const int64_t n = p.count(in.bufs[3]);
  const bool acc = in.ints.at(1) != 0;
  const UnaryParams q = unary_params(in);
  switch (in.ints.at(0)) {
#define CASE(OP) \
  case OP: return unary_backward<OP>(x, y, dy, dx, n, acc, q, p.threads);
    STRATA_UNARY_CASES(CASE)
#undef CASE
    default: throw std::runtime_error("unary_bwd: unknown op " + std::to_string(in.ints.at(0)));
  }
}

// ---- softmax along any axis ------------------------------------------------------------------
// The value is seen as [outer, n, inner] with the softmax over n. inner == 1 (the last axis)
// is the row-wise kernel activations use; otherwise each [n, inner] block is processed with
// the inner axis vectorized: maxima, exponentials and sums of `inner` columns at once.

void softmax_strided(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log, int threads) {
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n * inner, 1));
  for_range(outer, grain, threads, [&](int64_t b, int64_t e) {
    std::vector<float> m(static_cast<size_t>(inner)), s(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; ++o) {
      const float* xb = x + o * n * inner;
      float* yb = y + o * n * inner;
      std::copy(xb, xb + inner, m.begin());
      for (int64_t j = 1; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) m[i] = std::max(m[i], xb[j * inner + i]);
      std::fill(s.begin(), s.end(), 0.0f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const float v = std::exp(xb[j * inner + i] - m[i]);
          s[i] += v;
          if (!log) yb[j * inner + i] = v;
        }
      if (log) {
        for (int64_t i = 0; i < inner; ++i) m[i] += std::log(s[i]);
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i) yb[j * inner + i] = xb[j * inner + i] - m[i];
      } else {
        for (int64_t i = 0; i < inner; ++i) s[i] = 1.0f / s[i];
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i) yb[j * inner + i] *= s[i];
      }
    }
  });
}

// softmax: dx = y * (dy - sum_n(dy * y)); log-softmax: dx = dy - exp(y) * sum_n(dy).
void softmax_strided_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner, bool log, bool acc,
                              int threads) {
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n * inner, 1));
  for_range(outer, grain, threads, [&](int64_t b, int64_t e) {
    std::vector<float> dot(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; ++o) {
      const float* yb = y + o * n * inner;
      const float* gb = dy + o * n * inner;
      float* db = dx + o * n * inner;
      std::fill(dot.begin(), dot.end(), 0.0f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) dot[i] += log ? gb[j * inner + i] : gb[j * inner + i] * yb[j * inner + i];
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t k = j * inner + i;
          const float g = log ? gb[k] - std::exp(yb[k]) * dot[i] : yb[k] * (gb[k] - dot[i]);
          db[k] = acc ? db[k] + g : g;
        }
    }
  });
}

// bufs [x, y]; ints [outer, n, inner, log] (sizes may be batch-relative)
void softmax_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), n = resolve(in.ints.at(1), p.batch), inner = resolve(in.ints.at(2), p.batch);
  const bool log = in.ints.at(3) != 0;
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  if (n == 0 || outer == 0 || inner == 0) return;
  if (inner == 1) {
    softmax_rows(x, y, outer, n, log, p.threads);
  } else {
    softmax_strided(x, y, outer, n, inner, log, p.threads);
  }
}

// bufs [y, dy, dx]; ints [outer, n, inner, log, accumulate]
void softmax_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), n = resolve(in.ints.at(1), p.batch), inner = resolve(in.ints.at(2), p.batch);
  const bool log = in.ints.at(3) != 0, acc = in.ints.at(4) != 0;
  const float* y = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  if (n == 0 || outer == 0 || inner == 0) return;
  if (inner == 1) {
    softmax_rows_backward(y, dy, dx, outer, n, log, acc, p.threads);
  } else {
    softmax_strided_backward(y, dy, dx, outer, n, inner, log, acc, p.threads);
  }
}

// ---- data movement: transpose, slice, concatenate, fill, cast --------------------------------
// Copies move 32-bit words (float or int32 alike); gradients (accumulate) add floats.

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

// bufs [x, y]; ints [rank, x dims, perm, accumulate]: y[i...] = x[permuted], y (+)= when accumulating
// (the backward of a transpose is the transpose by the inverse permutation).
void transpose_kernel(plan::Plan& p, const plan::Instr& in) {
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
  strided_copy(s, p.f32(in.bufs[0]), p.f32(in.bufs[1]), acc, p.threads);
}

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

struct ConcatArgs {
  int64_t outer = 0, inner = 0, total = 0;
  std::vector<int64_t> sizes, offsets;
};

ConcatArgs read_concat(plan::Plan& p, IntReader& r) {
  ConcatArgs a;
  a.outer = resolve(r.next(), p.batch);
  a.inner = resolve(r.next(), p.batch);
  const int64_t n = r.next();
  for (int64_t k = 0; k < n; ++k) {
    a.offsets.push_back(a.total);
    a.sizes.push_back(r.next());
    a.total += a.sizes.back();
  }
  return a;
}

// bufs [x_0 … x_n-1, y]; ints [outer, inner, n, size_k…]: the inputs side by side along an axis
// (outer: the positions before it, inner: after it, size_k: each input's extent along it).
void concat_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const ConcatArgs a = read_concat(p, r);
  const size_t n = a.sizes.size();
  float* y = p.f32(in.bufs[n]);
  const int64_t row = a.total * a.inner;
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(row, 1));
  for_range(a.outer, grain, p.threads, [&](int64_t b, int64_t e) {
    for (size_t k = 0; k < n; ++k) {
      const float* x = p.f32(in.bufs[k]);
      const int64_t len = a.sizes[k] * a.inner;
      for (int64_t o = b; o < e; ++o) std::memcpy(y + o * row + a.offsets[k] * a.inner, x + o * len, static_cast<size_t>(len) * sizeof(float));
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
  const float* dy = p.f32(in.bufs[0]);
  const int64_t row = a.total * a.inner;
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(row, 1));
  for_range(a.outer, grain, p.threads, [&](int64_t b, int64_t e) {
    for (size_t k = 0; k < n; ++k) {
      if (in.bufs[k + 1] < 0) continue;
      float* dx = p.f32(in.bufs[k + 1]);
      const int64_t len = a.sizes[k] * a.inner;
      for (int64_t o = b; o < e; ++o) {
        const float* g = dy + o * row + a.offsets[k] * a.inner;
        float* d = dx + o * len;
        if (acc[k]) {
          for (int64_t i = 0; i < len; ++i) d[i] += g[i];
        } else {
          std::memcpy(d, g, static_cast<size_t>(len) * sizeof(float));
        }
      }
    }
  });
}

// bufs [y]; ints [int32]; floats [value]: a constant (zeros, ones, full), written every step
// (cheap, and a plan has no separate initialisation program).
void fill_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[0]);
  const float v = in.floats.at(0);
  if (in.ints.at(0) != 0) {
    int32_t* y = p.i32(in.bufs[0]);
    std::fill(y, y + n, static_cast<int32_t>(v));
  } else {
    float* y = p.f32(in.bufs[0]);
    std::fill(y, y + n, v);
  }
}

// bufs [x, y]; ints [to int32]: float32 -> int32 truncates toward zero (as Keras' cast);
// int32 -> float32 converts.
void cast_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[1]);
  if (in.ints.at(0) != 0) {
    const float* x = p.f32(in.bufs[0]);
    int32_t* y = p.i32(in.bufs[1]);
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = static_cast<int32_t>(std::trunc(x[i]));
    });
  } else {
    const int32_t* x = p.i32(in.bufs[0]);
    float* y = p.f32(in.bufs[1]);
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = static_cast<float>(x[i]);
    });
  }
}

// ---- matmul with broadcast batch axes --------------------------------------------------------
// y[i] = a[i] · b[i] for every index i of the (broadcast) batch axes; a[i] is M x K, b[i] is
// K x N. A weight (b without batch axes) against an input with all its batch axes is one
// GEMM over all rows; otherwise one GEMM per batch index, spread over the pool when the
// matrices are small.

struct MatmulArgs {
  int64_t m = 0, n = 0, k = 0;
  int64_t count = 1;  // batch matrices of the output
  std::vector<int64_t> a_index, b_index;  // which matrix of a / b each output matrix uses
  bool a_full = true, b_full = true;      // a / b has every batch index (no broadcast)
  bool b_single = true, a_single = true;  // b / a has no batch axes at all
};

MatmulArgs read_matmul(plan::Plan& p, IntReader& r) {
  MatmulArgs a;
  a.m = resolve(r.next(), p.batch);
  a.n = resolve(r.next(), p.batch);
  a.k = resolve(r.next(), p.batch);
  const int nb = read_rank(r);
  Dims out = read_dims(r, nb, p.batch), ad = read_dims(r, nb, p.batch), bd = read_dims(r, nb, p.batch);
  int64_t as[kMaxRank], bs[kMaxRank];
  strides_of(ad, as, true);
  strides_of(bd, bs, true);
  a.count = out.size();
  for (int i = 0; i < nb; ++i) {
    a.a_full = a.a_full && ad.d[i] == out.d[i];
    a.b_full = a.b_full && bd.d[i] == out.d[i];
    a.a_single = a.a_single && ad.d[i] == 1;
    a.b_single = a.b_single && bd.d[i] == 1;
  }
  a.a_index.resize(static_cast<size_t>(a.count));
  a.b_index.resize(static_cast<size_t>(a.count));
  int64_t idx[kMaxRank] = {};
  int64_t ia = 0, ib = 0;
  for (int64_t c = 0; c < a.count; ++c) {
    a.a_index[c] = ia;
    a.b_index[c] = ib;
    for (int d = nb - 1; d >= 0; --d) {
      ia += as[d];
      ib += bs[d];
      if (++idx[d] < out.d[d]) break;
      ia -= as[d] * out.d[d];
      ib -= bs[d] * out.d[d];
      idx[d] = 0;
    }
  }
  return a;
}

// Runs fn(c, threads_per_gemm) for every batch matrix c: in parallel when the matrices are
// small, one after another (each GEMM threaded) otherwise.
template <typename F>
void for_matrices(int64_t count, double flops, int threads, F&& fn) {
  if (count > 1 && flops < 2.0e6 && threads > 1) {
    const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(2.0e6 / std::max(flops, 1.0)));
    for_range(count, grain, threads, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) fn(c, 1);
    });
  } else {
    for (int64_t c = 0; c < count; ++c) fn(c, threads);
  }
}

// bufs [a, b, y]; ints [M, N, K, batch rank, y batch dims, a batch dims, b batch dims]
void matmul_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = read_matmul(p, r);
  const float* A = p.f32(in.bufs[0]);
  const float* B = p.f32(in.bufs[1]);
  float* Y = p.f32(in.bufs[2]);
  const int64_t M = a.m, N = a.n, K = a.k;
  if (a.count == 0 || M == 0 || N == 0) return;
  if (a.b_single && a.a_full) {
    cpu::sgemm(p.isa, p.threads, false, false, a.count * M, N, K, 1.0f, A, B, 0.0f, Y);
    return;
  }
  for_matrices(a.count, 2.0 * M * N * K, p.threads, [&](int64_t c, int threads) {
    cpu::sgemm(p.isa, threads, false, false, M, N, K, 1.0f, A + a.a_index[c] * M * K, B + a.b_index[c] * K * N, 0.0f, Y + c * M * N);
  });
}

// bufs [a, b, dy, da or -1, db or -1]; ints [as matmul_fwd…, accumulate da, accumulate db]
// da[i] = dy[i] · b[i]^T, db[i] = a[i]^T · dy[i]; a broadcast operand sums over the batch
// matrices that shared it.
void matmul_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = read_matmul(p, r);
  const bool acc_a = r.next() != 0, acc_b = r.next() != 0;
  const float* A = p.f32(in.bufs[0]);
  const float* B = p.f32(in.bufs[1]);
  const float* dY = p.f32(in.bufs[2]);
  float* dA = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  float* dB = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  const int64_t M = a.m, N = a.n, K = a.k;
  const double flops = 2.0 * M * N * K;
  if (a.b_single && a.a_full) {
    // All rows at once: dA = dY · B^T, dB = A^T · dY.
    if (dA) cpu::sgemm(p.isa, p.threads, false, true, a.count * M, K, N, 1.0f, dY, B, acc_a ? 1.0f : 0.0f, dA);
    if (dB) cpu::sgemm(p.isa, p.threads, true, false, K, N, a.count * M, 1.0f, A, dY, acc_b ? 1.0f : 0.0f, dB);
    return;
  }
  // Zero-size batches still owe the targets their (zero) gradient.
  if (dA) {
    const int64_t slices = a.a_single ? 1 : *std::max_element(a.a_index.begin(), a.a_index.end()) + 1;
    if (a.a_full) {
      for_matrices(a.count, flops, p.threads, [&](int64_t c, int threads) {
        cpu::sgemm(p.isa, threads, false, true, M, K, N, 1.0f, dY + c * M * N, B + a.b_index[c] * K * N, acc_a ? 1.0f : 0.0f, dA + c * M * K);
      });
    } else {
      if (!acc_a) std::fill(dA, dA + slices * M * K, 0.0f);
      for (int64_t c = 0; c < a.count; ++c) {
        cpu::sgemm(p.isa, p.threads, false, true, M, K, N, 1.0f, dY + c * M * N, B + a.b_index[c] * K * N, 1.0f, dA + a.a_index[c] * M * K);
      }
    }
  }
  if (dB) {
    const int64_t slices = a.b_single ? 1 : *std::max_element(a.b_index.begin(), a.b_index.end()) + 1;
    if (a.b_full) {
      for_matrices(a.count, flops, p.threads, [&](int64_t c, int threads) {
        cpu::sgemm(p.isa, threads, true, false, K, N, M, 1.0f, A + a.a_index[c] * M * K, dY + c * M * N, acc_b ? 1.0f : 0.0f, dB + c * K * N);
      });
    } else {
      if (!acc_b) std::fill(dB, dB + slices * K * N, 0.0f);
      for (int64_t c = 0; c < a.count; ++c) {
        cpu::sgemm(p.isa, p.threads, true, false, K, N, M, 1.0f, A + a.a_index[c] * M * K, dY + c * M * N, 1.0f, dB + a.b_index[c] * K * N);
      }
    }
  }
}

STRATA_KERNEL("ew_binary_fwd", binary_fwd);
STRATA_KERNEL("ew_binary_bwd", binary_bwd);
STRATA_KERNEL("ew_unary_fwd", unary_fwd);
STRATA_KERNEL("ew_unary_bwd", unary_bwd);
STRATA_KERNEL("ew_reduce_fwd", reduce_fwd);
STRATA_KERNEL("ew_reduce_bwd", reduce_bwd);
STRATA_KERNEL("ew_softmax_fwd", softmax_fwd);
STRATA_KERNEL("ew_softmax_bwd", softmax_bwd);
STRATA_KERNEL("ew_transpose", transpose_kernel);
STRATA_KERNEL("ew_slice_fwd", slice_fwd);
STRATA_KERNEL("ew_slice_bwd", slice_bwd);
STRATA_KERNEL("ew_concat_fwd", concat_fwd);
STRATA_KERNEL("ew_concat_bwd", concat_bwd);
STRATA_KERNEL("ew_fill", fill_kernel);
STRATA_KERNEL("ew_cast", cast_kernel);
STRATA_KERNEL("ew_matmul_fwd", matmul_fwd);
STRATA_KERNEL("ew_matmul_bwd", matmul_bwd);

}  // namespace
}  // namespace strata::kernels
