// What the CPU's normalization backwards (normalization.cc) and the CUDA ones read alike.
#pragma once

#include "../plan/plan.h"
#include "layer_bufs.h"

namespace strata::kernels {

// BatchNormalization's and LayerNormalization's backward:
// bufs [x, gamma or -1, mean, inv_std, dy, dx or -1, dgamma or -1, dbeta or -1]
// ints [outer, C (or N), inner, training (or rms), accumulate dx, accumulate dgamma, accumulate dbeta]
struct NormBackward {
  const float *x, *gamma, *mean, *inv_std, *dy;
  float *dx, *dgamma, *dbeta;
  bool acc_dx, acc_dg, acc_db;
};

inline NormBackward norm_backward(const plan::Plan& p, const plan::Instr& in) {
  const auto& b = in.bufs;
  return {p.f32(b.at(0)),       opt_f32(p, b.at(1)),  p.f32(b.at(2)),     p.f32(b.at(3)),    p.f32(b.at(4)),
          opt_f32(p, b.at(5)),  opt_f32(p, b.at(6)),  opt_f32(p, b.at(7)), in.ints.at(4) != 0, in.ints.at(5) != 0,
          in.ints.at(6) != 0};
}

}  // namespace strata::kernels
