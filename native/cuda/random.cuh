// The CPU's counter-based random numbers (src/kernels/random.h) on the device: the same
// seed, call site and step give the same dropout masks on either device.
#pragma once

#include <cstdint>

namespace strata::cuda {

__host__ __device__ inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

__host__ __device__ inline uint64_t stream_key(uint64_t seed, uint64_t salt, uint64_t step) {
  return mix64(mix64(seed ^ (salt * 0x9E3779B97F4A7C15ULL)) + step);
}

__host__ __device__ inline float uniform(uint64_t key, uint64_t i) {
  return static_cast<float>(mix64(key + i * 0x9E3779B97F4A7C15ULL) >> 40) * (1.0f / 16777216.0f);
}

}  // namespace strata::cuda
