// The mask kernels' attributes and per-step rules, shared by the CPU kernels (mask.cc) and
// the CUDA ones.
#pragma once

#include <cstdint>

#include "../plan/plan.h"
#include "host_device.h"

namespace strata::kernels {

enum Combine : int64_t { kAll = 0, kAny = 1 };

// mask_not_equal: bufs [x, mask]; ints [row]; floats [value]. x is float32 or int32 (token
// ids): exactly one of xf / xi is set.
struct NotEqualArgs {
  int64_t row, rows;
  float value;
  const float* xf;
  const int32_t* xi;
  float* mask;
};

inline NotEqualArgs read_not_equal(const plan::Plan& p, const plan::Instr& in) {
  const bool ids = p.buffers[in.bufs[0]].dtype == plan::DType::kI32;
  NotEqualArgs a;
  a.row = in.ints[0];
  a.rows = p.count(in.bufs[1]);
  a.value = in.floats[0];
  a.xf = ids ? nullptr : p.f32(in.bufs[0]);
  a.xi = ids ? p.i32(in.bufs[0]) : nullptr;
  a.mask = p.f32(in.bufs[1]);
  return a;
}

// Whether row r keeps its step: any of its values differs from `value`.
STRATA_HD inline bool row_differs(const NotEqualArgs& a, int64_t r) {
  bool keep = false;
  for (int64_t j = 0; j < a.row; ++j) keep |= (a.xi ? static_cast<float>(a.xi[r * a.row + j]) : a.xf[r * a.row + j]) != a.value;
  return keep;
}

// Folds one more mask value m into a step's `keep` (all: and, any: or).
STRATA_HD inline bool combine_step(bool any, bool keep, float m) { return any ? keep || m != 0.0f : keep && m != 0.0f; }

}  // namespace strata::kernels
