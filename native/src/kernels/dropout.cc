// Dropout in training: keep each value with probability 1 - rate and scale it by
// 1 / (1 - rate). The mask is recomputed in backward from the same counter-based stream.
#include <cstdint>

#include "../plan/plan.h"
#include "parallel.h"
#include "random.h"

namespace strata::kernels {
namespace {

template <typename F>
void for_mask(plan::Plan& p, const plan::Instr& in, int64_t n, F&& fn) {
  const uint64_t key = stream_key(static_cast<uint64_t>(in.ints[0]), static_cast<uint64_t>(in.ints[1]),
                                  static_cast<uint64_t>(p.scalars.at(in.ints[2])));
  const float rate = in.floats[0], scale = 1.0f / (1.0f - rate);
  for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) fn(i, dropout_mask(key, i, rate, scale));
  });
}

// bufs [x, y]; ints [seed, salt, step scalar slot]; floats [rate]
void dropout_fwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  for_mask(p, in, p.count(in.bufs[1]), [&](int64_t i, float m) { y[i] = x[i] * m; });
}

// bufs [dy, dx]; ints [seed, salt, step scalar slot, accumulate]; floats [rate]
void dropout_bwd(plan::Plan& p, const plan::Instr& in) {
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  if (in.ints[3] != 0) for_mask(p, in, p.count(in.bufs[1]), [&](int64_t i, float m) { dx[i] += dy[i] * m; });
  else for_mask(p, in, p.count(in.bufs[1]), [&](int64_t i, float m) { dx[i] = dy[i] * m; });
}

STRATA_KERNEL("dropout_fwd", dropout_fwd);
STRATA_KERNEL("dropout_bwd", dropout_bwd);

}  // namespace
}  // namespace strata::kernels
