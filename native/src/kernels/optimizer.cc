// Fused optimizer updates, one pass over a weight, its gradient and its slots, with Keras 3's
// update rules and defaults. Gradient clipping (clipnorm, clipvalue, global_clipnorm) and
// decoupled weight decay happen in the same pass.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

enum Optimizer : int64_t { kSgd = 0, kRmsprop = 1, kAdam = 2, kAdamW = 3, kAdagrad = 4, kAdadelta = 5, kAdamax = 6, kNadam = 7 };
enum Flags : int64_t { kNesterov = 1, kCentered = 2, kAmsgrad = 4 };

double sum_squares(const float* g, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(g[i]) * g[i];
  return s;
}

// bufs [w, g, slot0, slot1, slot2] (unused slots -1)
// ints [kind, lr slot, iterations slot, global-norm scale slot or -1, flags, nadam u-product slot or -1]
// floats [h0, h1, h2, h3, clipnorm, clipvalue, weight decay] where h* are per kind:
//   sgd: momentum | rmsprop: rho, momentum, epsilon | adam/adamw/adamax/nadam: beta1, beta2, epsilon
//   adagrad: epsilon | adadelta: rho, epsilon
void optimizer_update(plan::Plan& p, const plan::Instr& in) {
  const int64_t kind = in.ints[0], flags = in.ints[4];
  const float lr = static_cast<float>(p.scalars.at(in.ints[1]));
  const double local_step = p.scalars.at(in.ints[2]) + 1.0;
  float* w = p.f32(in.bufs[0]);
  const float* g_in = p.f32(in.bufs[1]);
  float* s0 = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* s1 = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  float* s2 = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  const float h0 = in.floats[0], h1 = in.floats[1], h2 = in.floats[2];
  const float clipnorm = in.floats[4], clipvalue = in.floats[5], decay = in.floats[6];
  const int64_t n = p.count(in.bufs[0]);

  float gscale = in.ints[3] >= 0 ? static_cast<float>(p.scalars.at(in.ints[3])) : 1.0f;
  if (clipnorm > 0.0f) {
    const double norm = std::sqrt(sum_squares(g_in, n)) * gscale;
    if (norm > clipnorm) gscale *= static_cast<float>(clipnorm / norm);
  }
  // Bias corrections and Nadam's momentum schedule depend only on the step.
  const float b1p = std::pow(h0, static_cast<float>(local_step)), b2p = std::pow(h1, static_cast<float>(local_step));
  const float adam_alpha = lr * std::sqrt(1.0f - b2p) / (1.0f - b1p);
  float u_t = 0, u_t1 = 0, u_prod_t = 0, u_prod_t1 = 0;
  if (kind == kNadam) {
    u_t = h0 * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(local_step) * 0.004f));
    u_t1 = h0 * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(local_step + 1) * 0.004f));
    u_prod_t = static_cast<float>(p.scalars.at(in.ints[5])) * u_t;
    u_prod_t1 = u_prod_t * u_t1;
  }

  // One loop per rule, each free of branches on the kind, so that the compiler vectorises it.
  const bool clip = clipvalue > 0.0f, decayed = decay > 0.0f;
  const auto grad = [&](int64_t i) {
    float g = g_in[i] * gscale;
    if (clip) g = std::clamp(g, -clipvalue, clipvalue);
    if (decayed) w[i] -= w[i] * decay * lr;
    return g;
  };
  for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
    switch (kind) {
      case kSgd:
        if (h0 == 0.0f) {
          for (int64_t i = b; i < e; ++i) w[i] -= lr * grad(i);
        } else if (flags & kNesterov) {
          for (int64_t i = b; i < e; ++i) {
            const float g = grad(i);
            s0[i] = h0 * s0[i] - lr * g;
            w[i] += h0 * s0[i] - lr * g;
          }
        } else {
          for (int64_t i = b; i < e; ++i) {
            s0[i] = h0 * s0[i] - lr * grad(i);
            w[i] += s0[i];
          }
        }
        break;
      case kRmsprop: {
        const float rho = h0, momentum = h1, eps = h2;
        if (!(flags & kCentered) && momentum == 0.0f) {
          for (int64_t i = b; i < e; ++i) {
            const float g = grad(i);
            s0[i] = rho * s0[i] + (1.0f - rho) * g * g;
            w[i] -= lr * g / std::sqrt(s0[i] + eps);
          }
          break;
        }
        for (int64_t i = b; i < e; ++i) {
          const float g = grad(i);
          s0[i] = rho * s0[i] + (1.0f - rho) * g * g;
          float denom = s0[i] + eps;
          if (flags & kCentered) {
            s2[i] = rho * s2[i] + (1.0f - rho) * g;
            denom = s0[i] - s2[i] * s2[i] + eps;
          }
          const float inc = lr * g / std::sqrt(denom);
          if (momentum > 0.0f) {
            s1[i] = momentum * s1[i] + inc;
            w[i] -= s1[i];
          } else {
            w[i] -= inc;
          }
        }
        break;
      }
      case kAdam:
      case kAdamW:
        if (!(flags & kAmsgrad)) {
          for (int64_t i = b; i < e; ++i) {
            const float g = grad(i);
            s0[i] += (g - s0[i]) * (1.0f - h0);
            s1[i] += (g * g - s1[i]) * (1.0f - h1);
            w[i] -= adam_alpha * s0[i] / (std::sqrt(s1[i]) + h2);
          }
        } else {
          for (int64_t i = b; i < e; ++i) {
            const float g = grad(i);
            s0[i] += (g - s0[i]) * (1.0f - h0);
            s1[i] += (g * g - s1[i]) * (1.0f - h1);
            s2[i] = std::max(s2[i], s1[i]);
            w[i] -= adam_alpha * s0[i] / (std::sqrt(s2[i]) + h2);
          }
        }
        break;
      case kAdagrad:
        for (int64_t i = b; i < e; ++i) {
          const float g = grad(i);
          s0[i] += g * g;
          w[i] -= lr * g / std::sqrt(s0[i] + h0);
        }
        break;
      case kAdadelta: {
        const float rho = h0, eps = h1;
        for (int64_t i = b; i < e; ++i) {
          const float g = grad(i);
          s0[i] = rho * s0[i] + (1.0f - rho) * g * g;
          const float delta = -std::sqrt(s1[i] + eps) / std::sqrt(s0[i] + eps) * g;
          s1[i] = rho * s1[i] + (1.0f - rho) * delta * delta;
          w[i] += lr * delta;
        }
        break;
      }
      case kAdamax:
        for (int64_t i = b; i < e; ++i) {
          const float g = grad(i);
          s0[i] += (g - s0[i]) * (1.0f - h0);
          s1[i] = std::max(h1 * s1[i], std::fabs(g));
          w[i] -= lr * s0[i] / ((1.0f - b1p) * (s1[i] + h2));
        }
        break;
      case kNadam:
        for (int64_t i = b; i < e; ++i) {
          const float g = grad(i);
          s0[i] += (g - s0[i]) * (1.0f - h0);
          s1[i] += (g * g - s1[i]) * (1.0f - h1);
          const float m_hat = u_t1 * s0[i] / (1.0f - u_prod_t1) + (1.0f - u_t) * g / (1.0f - u_prod_t);
          const float v_hat = s1[i] / (1.0f - b2p);
          w[i] -= lr * m_hat / (std::sqrt(v_hat) + h2);
        }
        break;
      default:
        break;
    }
  });
}

// Scale for global_clipnorm: min(1, clip / ||all gradients||) into a scalar.
// bufs [g...]; ints [scalar slot]; floats [clip]
void global_norm_scale(plan::Plan& p, const plan::Instr& in) {
  double s = 0.0;
  for (int32_t b : in.bufs) s += sum_squares(p.f32(b), p.count(b));
  const double norm = std::sqrt(s);
  p.scalars.at(in.ints[0]) = norm > in.floats[0] ? in.floats[0] / norm : 1.0;
}

// End of an optimizer step: iterations += 1 and, for Nadam, the running momentum product.
// ints [iterations slot, u-product slot or -1]; floats [beta1 (nadam)]
void optimizer_step_end(plan::Plan& p, const plan::Instr& in) {
  const double local_step = p.scalars.at(in.ints[0]) + 1.0;
  if (in.ints[1] >= 0) {
    const double u_t = in.floats[0] * (1.0 - 0.5 * std::pow(0.96, local_step * 0.004));
    p.scalars.at(in.ints[1]) *= u_t;
  }
  p.scalars.at(in.ints[0]) = local_step;
}

STRATA_KERNEL("optimizer_update", optimizer_update);
STRATA_KERNEL("global_norm_scale", global_norm_scale);
STRATA_KERNEL("optimizer_step_end", optimizer_step_end);

}  // namespace
}  // namespace strata::kernels
