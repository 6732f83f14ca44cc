// Reductions over some axes, for the kernels that sum a gradient over broadcast axes
// (binary.cc) as well as for ops.sum / mean / max / min (reduce.cc).
#pragma once

#include <cstdint>

#include "../plan/plan.h"
#include "strided.h"

namespace strata::kernels {

enum ReduceKind : int64_t { kSum = 0, kMean = 1, kMaxR = 2, kMinR = 3 };

// The shapes of reduce_fwd / reduce_bwd: ints [kind, rank, x dims, y dims (x's rank; 1
// along the reduced axes), ...].
struct ReduceShape {
  int64_t kind;
  Dims xd, yd;
  // The mean's divisor: how many values the reduction folds into one; 1 for the others.
  float scale() const {
    const int64_t in = xd.size(), out = yd.size();
    return kind == kMean && out != 0 ? 1.0f / static_cast<float>(static_cast<double>(in) / static_cast<double>(out)) : 1.0f;
  }
};

inline ReduceShape read_reduce_shape(const plan::Plan& p, IntReader& r) {
  ReduceShape s;
  s.kind = r.next();
  const int rank = read_rank(r);
  s.xd = read_dims(r, rank, p.batch);
  s.yd = read_dims(r, rank, p.batch);
  return s;
}

// y (+)= scale * reduce(x) for sums and means (scale = 1 / count for a mean); y = reduce(x)
// for max / min. yd is xd with 1 along the reduced axes. Uses scratch slots 2 and 3.
void reduce_to(int64_t kind, const float* x, const Dims& xd, const Dims& yd, float* y, float scale, bool accumulate, int threads);

}  // namespace strata::kernels
