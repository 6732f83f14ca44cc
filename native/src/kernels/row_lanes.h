// How a row kernel (losses, metrics) walks one row: lane `lane` of `width` lanes takes
// elements lane, lane + width, ... and the lanes combine their partial results with sum /
// max / argmax. On the CPU one lane takes the whole row (OneLane: the combines are the
// identity); the CUDA kernels give a row a group of a warp's lanes (cuda/rows.cuh's Group,
// the same interface), so both run the same row code (loss.h, metrics.h).
#pragma once

#include <algorithm>
#include <cstdint>

namespace strata::kernels {

struct OneLane {
  static constexpr int lane = 0;
  static constexpr int width = 1;
  template <typename T>
  T sum(T v) const { return v; }
  float max(float v) const { return v; }
  // Index of the first largest value.
  int64_t argmax(const float* v, int64_t n) const { return std::max_element(v, v + n) - v; }
};

}  // namespace strata::kernels
