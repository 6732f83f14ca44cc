// The buffers of the kernels that apply weights, then a bias and an activation (the
// convolutions, Dense), read once for the CPU and the CUDA kernels alike: p.f32 gives host
// or device pointers by the plan's kind.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../plan/plan.h"

namespace strata::kernels {

// An optional buffer: null for id -1.
inline float* opt_f32(const plan::Plan& p, int32_t id) { return id >= 0 ? p.f32(id) : nullptr; }

// bufs [x, W, b or -1, z or -1, y]: z keeps the pre-activation when the backward needs it.
struct LayerForward {
  const float *x, *w, *b;
  float *z, *y;
};

inline LayerForward layer_forward(const plan::Plan& p, const plan::Instr& in) {
  const auto& b = in.bufs;
  return {p.f32(b[0]), p.f32(b[1]), opt_f32(p, b[2]), opt_f32(p, b[3]), p.f32(b[4])};
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1]: dy becomes dz in place (the
// layer's own gradient buffer, not read again); a gradient nobody wants is -1.
struct LayerBackward {
  const float *x, *w, *z, *y;
  float *dz, *dx, *dw, *db;
};

inline LayerBackward layer_backward(const plan::Plan& p, const plan::Instr& in) {
  const auto& b = in.bufs;
  return {p.f32(b[0]), p.f32(b[1]), opt_f32(p, b[2]), p.f32(b[3]),
          p.f32(b[4]), opt_f32(p, b[5]), opt_f32(p, b[6]), opt_f32(p, b[7])};
}

// ints [..., accumulate dx, accumulate dW, accumulate db] starting at `at`.
struct LayerAccumulate {
  bool dx, dw, db;
};

inline LayerAccumulate layer_accumulate(const plan::Instr& in, size_t at) {
  return {in.ints[at] != 0, in.ints[at + 1] != 0, in.ints[at + 2] != 0};
}

}  // namespace strata::kernels
