// l2_normalize's attributes and its clamped inverse norm, shared by the CPU kernel
// (merge.cc) and the CUDA one.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../plan/plan.h"
#include "host_device.h"

namespace strata::kernels {

// ints [A, K, B, ...]; floats [epsilon]: each sample is [A, K, B], normalized along K; the
// inverse norm is capped at 1 / epsilon.
struct L2Normalize {
  int64_t k, b;
  float cap;
  // Rows of K x B values in buffer `buf` (batch x A).
  int64_t rows(const plan::Plan& p, int32_t buf) const { return k * b > 0 ? p.count(buf) / (k * b) : 0; }
};

inline L2Normalize read_l2_normalize(const plan::Instr& in) { return {in.ints[1], in.ints[2], 1.0f / in.floats[0]}; }

// min(rsqrt(sum of squares), cap): Keras 3's inverse norm.
STRATA_HD inline float clamp_inv(float sum_sq, float cap) { return std::min(1.0f / std::sqrt(sum_sq), cap); }

}  // namespace strata::kernels
