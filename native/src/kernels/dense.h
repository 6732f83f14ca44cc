// Dense's sizes, read once for the CPU kernels (dense.cc) and the CUDA ones; its buffers
// are layer_bufs.h's. ints [K, N, act, ...]: rows M = count(x) / K.
#pragma once

#include <cstdint>

#include "../plan/plan.h"

namespace strata::kernels {

struct DenseDims {
  int64_t m, k, n, act;
};

inline DenseDims dense_dims(const plan::Plan& p, const plan::Instr& in) {
  const int64_t k = in.ints[0];
  return {p.count(in.bufs[0]) / k, k, in.ints[1], in.ints[2]};
}

}  // namespace strata::kernels
