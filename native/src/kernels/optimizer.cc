// Fused optimizer updates, one pass over a weight, its gradient and its slots, with Keras 3's
// update rules and defaults. Gradient clipping (clipnorm, clipvalue, global_clipnorm) and
// decoupled weight decay happen in the same pass.
#include <cstdint>

#include "../plan/plan.h"
#include "optimizer.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

double sum_squares(const float* g, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(g[i]) * g[i];
  return s;
}

// bufs [w, g, slot0, slot1, slot2] (unused slots -1)
// ints [kind, lr slot, iterations slot, global-norm scale slot or -1, flags, nadam u-product slot or -1]
// floats [h0, h1, h2, h3, clipnorm, clipvalue, weight decay] where h* are per kind (see optimizer.h)
void optimizer_update(plan::Plan& p, const plan::Instr& in) {
  const int64_t kind = in.ints[0], flags = in.ints[4];
  float* w = p.f32(in.bufs[0]);
  const float* g = p.f32(in.bufs[1]);
  float* s0 = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* s1 = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  float* s2 = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  const float clipnorm = in.floats[4];
  const int64_t n = p.count(in.bufs[0]);

  float gscale = in.ints[3] >= 0 ? static_cast<float>(p.scalars.at(in.ints[3])) : 1.0f;
  if (clipnorm > 0.0f) gscale = clipnorm_scale(gscale, sum_squares(g, n), clipnorm);
  const UpdateStep c = update_step(kind, flags, in.floats.data(), static_cast<float>(p.scalars.at(in.ints[1])),
                                   p.scalars.at(in.ints[2]), gscale, kind == kNadam ? p.scalars.at(in.ints[5]) : 0.0);

  // One loop per rule, each free of branches on the kind, so that the compiler vectorises it.
  // The chunk takes its own copy of the constants: read through the capture, they could
  // alias the weights and the compiler would reload them per element.
  with_rule(rule_of(kind, flags, in.floats[0], in.floats[1]), [&](auto rule) {
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
      const UpdateStep k = c;
      for (int64_t i = b; i < e; ++i) update_element(rule, k, i, w, g, s0, s1, s2);
    });
  });
}

// Scale for global_clipnorm: min(1, clip / ||all gradients||) into a scalar.
// bufs [g...]; ints [scalar slot]; floats [clip]
void global_norm_scale(plan::Plan& p, const plan::Instr& in) {
  double s = 0.0;
  for (int32_t b : in.bufs) s += sum_squares(p.f32(b), p.count(b));
  p.scalars.at(in.ints[0]) = global_clip_scale(s, in.floats[0]);
}

// End of an optimizer step: iterations += 1 and, for Nadam, the running momentum product.
// ints [iterations slot, u-product slot or -1]; floats [beta1 (nadam)]
void optimizer_step_end(plan::Plan& p, const plan::Instr& in) {
  double* u_product = in.ints[1] >= 0 ? &p.scalars.at(in.ints[1]) : nullptr;
  advance_step(p.scalars.at(in.ints[0]), u_product, u_product ? in.floats[0] : 0.0f);
}

STRATA_KERNEL("optimizer_update", optimizer_update);
STRATA_KERNEL("global_norm_scale", global_norm_scale);
STRATA_KERNEL("optimizer_step_end", optimizer_step_end);

}  // namespace
}  // namespace strata::kernels
