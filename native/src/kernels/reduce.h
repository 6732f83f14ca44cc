// Reductions over some axes, for the kernels that sum a gradient over broadcast axes
// (binary.cc) as well as for ops.sum / mean / max / min (reduce.cc).
#pragma once

#include <cstdint>

#include "strided.h"

namespace strata::kernels {

enum ReduceKind : int64_t { kSum = 0, kMean = 1, kMaxR = 2, kMinR = 3 };

// y (+)= scale * reduce(x) for sums and means (scale = 1 / count for a mean); y = reduce(x)
// for max / min. yd is xd with 1 along the reduced axes. Uses scratch slots 2 and 3.
void reduce_to(int64_t kind, const float* x, const Dims& xd, const Dims& yd, float* y, float scale, bool accumulate, int threads);

}  // namespace strata::kernels
