// What the element-wise, reduction, layout and matrix-product kernels share (binary.cc,
// reduce.cc, softmax.cc, layout.cc, matmul.cc): reading their shape attributes, and one
// engine that walks operands of different layouts (`Strided`).
//
// Shapes come as attributes. A size >= 0 is static; a negative size -f means f times the
// plan's current batch (a value whose batch axis was merged with f other positions by a
// reshape, or 1 for a plain batch axis). Kernels resolve sizes when they run, so the last,
// smaller batch of an epoch runs on the same instructions.
//
// The walk: the output is contiguous, each operand has its own strides (0 along an axis it
// is broadcast over), size-1 axes are dropped and axes that are contiguous for every
// operand are merged, so that the innermost loop is as long as possible and, in the common
// cases (same shape, a scalar, a row vector), has unit or zero strides and vectorizes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {

constexpr int kMaxRank = 8;  // the TypeScript side refuses higher ranks
constexpr int kMaxOps = 3;   // operand layouts one Strided walk tracks

// ---- attributes --------------------------------------------------------------------------------

struct IntReader {
  const std::vector<int64_t>& v;
  size_t pos = 0;
  int64_t next() {
    if (pos >= v.size()) throw std::runtime_error("kernel attributes: too few integers");
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

inline int read_rank(IntReader& r) {
  const int64_t rank = r.next();
  if (rank < 0 || rank > kMaxRank) throw std::runtime_error("kernel attributes: rank " + std::to_string(rank) + " is not supported");
  return static_cast<int>(rank);
}

inline Dims read_dims(IntReader& r, int rank, int64_t batch) {
  Dims out;
  out.rank = rank;
  for (int i = 0; i < rank; ++i) out.d[i] = resolve(r.next(), batch);
  return out;
}

// Concatenate's attributes: ints [outer, inner, n, size_k…] (outer: the positions before the
// axis, inner: after it, size_k: each input's extent along it).
struct ConcatArgs {
  int64_t outer = 0, inner = 0, total = 0;
  std::vector<int64_t> sizes, offsets;
};

inline ConcatArgs read_concat(const plan::Plan& p, IntReader& r) {
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

// An axis of `n` values between `outer` positions before it and `inner` after it, as the
// softmax kernels take it: ints [outer, n, inner, log, ...] (sizes may be batch-relative).
struct SoftmaxAxis {
  int64_t outer, n, inner;
  bool log;
  bool empty() const { return n == 0 || outer == 0 || inner == 0; }
};

inline SoftmaxAxis read_softmax_axis(const plan::Plan& p, const plan::Instr& in) {
  return {resolve(in.ints.at(0), p.batch), resolve(in.ints.at(1), p.batch), resolve(in.ints.at(2), p.batch), in.ints.at(3) != 0};
}

// Row-major strides of `dims`; with `broadcast`, 0 along size-1 axes (they repeat).
inline void strides_of(const Dims& dims, int64_t* s, bool broadcast) {
  int64_t n = 1;
  for (int i = dims.rank - 1; i >= 0; --i) {
    s[i] = (broadcast && dims.d[i] == 1) ? 0 : n;
    n *= dims.d[i];
  }
}

// Scratch memory reused across steps (kernels run one at a time on the plan's thread). The
// slots are shared by every kernel: 0 and 1 for a kernel's own temporaries, 2 and 3 for
// reduce_to, which the others call.
inline float* scratch(int slot, int64_t n) {
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
inline Strided collapse(int rank, const int64_t* dims, int nops, const int64_t (*strides)[kMaxRank]) {
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
inline Strided broadcast_walk(const Dims& out, const Dims* const* operands, int nops) {
  int64_t strides[kMaxOps][kMaxRank] = {};
  strides_of(out, strides[0], false);
  for (int k = 1; k < nops; ++k) {
    const Dims& d = *operands[k - 1];
    for (int i = 0; i < out.rank; ++i) {
      if (d.d[i] != 1 && d.d[i] < out.d[i]) {
        throw std::runtime_error("broadcast: an operand of size " + std::to_string(d.d[i]) + " cannot broadcast to size " +
                                 std::to_string(out.d[i]) + " (is the batch larger than the size a constant was made for?)");
      }
    }
    strides_of(d, strides[k], true);
  }
  return collapse(out.rank, out.d, nops, strides);
}

}  // namespace strata::kernels
