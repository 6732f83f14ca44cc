// Counter-based random numbers: the value for element i of call c under seed s is a hash of
// (s, c, i), so dropout masks need no storage (backward recomputes them), any thread can
// compute any element, and the same seed gives the same numbers run after run, on the
// CPU or on a GPU (the functions are STRATA_HD).
#pragma once

#include <cstdint>

#include "host_device.h"

namespace strata::kernels {

STRATA_HD inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A key for one call site (seed, salt) at one step.
STRATA_HD inline uint64_t stream_key(uint64_t seed, uint64_t salt, uint64_t step) {
  return mix64(mix64(seed ^ (salt * 0x9E3779B97F4A7C15ULL)) + step);
}

// Uniform in [0, 1) with 24 random bits.
STRATA_HD inline float uniform(uint64_t key, uint64_t i) {
  return static_cast<float>(mix64(key + i * 0x9E3779B97F4A7C15ULL) >> 40) * (1.0f / 16777216.0f);
}

// Dropout's multiplier for element i: 0 with probability `rate`, else scale = 1 / (1 - rate).
STRATA_HD inline float dropout_mask(uint64_t key, uint64_t i, float rate, float scale) {
  return uniform(key, i) >= rate ? scale : 0.0f;
}

}  // namespace strata::kernels
