// Keras 3's optimizer update rules, per element, for the CPU and the CUDA kernels
// (optimizer.cc, cuda/kernels/optimizer.cu). The kernels pick a Rule once per update (the
// kind and the flags that change the loop's shape), then run a loop whose body is
// update_element with the rule as a compile-time constant: no branch on the kind per
// element, so the CPU loop vectorises. Arithmetic is in float, as Keras does, except the
// step count, the norms and Nadam's running momentum product, which are doubles.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "host_device.h"

namespace strata::kernels {

enum Optimizer : int64_t { kSgd = 0, kRmsprop = 1, kAdam = 2, kAdamW = 3, kAdagrad = 4, kAdadelta = 5, kAdamax = 6, kNadam = 7 };
enum OptimizerFlags : int64_t { kNesterov = 1, kCentered = 2, kAmsgrad = 4 };

// One loop shape per rule.
enum Rule : int64_t {
  kRuleSgd,             // momentum 0
  kRuleSgdMomentum,
  kRuleSgdNesterov,
  kRuleRmsprop,         // neither centered nor momentum
  kRuleRmspropGeneral,  // centered and/or momentum
  kRuleAdam,            // adam and adamw (the decay is the common decoupled one)
  kRuleAmsgrad,
  kRuleAdagrad,
  kRuleAdadelta,
  kRuleAdamax,
  kRuleNadam,
  kRuleNone,  // an unknown kind: the update does nothing
};

// floats [h0, h1, h2, ...] per kind:
//   sgd: momentum | rmsprop: rho, momentum, epsilon | adam/adamw/adamax/nadam: beta1, beta2, epsilon
//   adagrad: epsilon | adadelta: rho, epsilon
inline Rule rule_of(int64_t kind, int64_t flags, float h0, float h1) {
  switch (kind) {
    case kSgd: return h0 == 0.0f ? kRuleSgd : (flags & kNesterov) ? kRuleSgdNesterov : kRuleSgdMomentum;
    case kRmsprop: return !(flags & kCentered) && h1 == 0.0f ? kRuleRmsprop : kRuleRmspropGeneral;
    case kAdam:
    case kAdamW: return (flags & kAmsgrad) ? kRuleAmsgrad : kRuleAdam;
    case kAdagrad: return kRuleAdagrad;
    case kAdadelta: return kRuleAdadelta;
    case kAdamax: return kRuleAdamax;
    case kNadam: return kRuleNadam;
    default: return kRuleNone;
  }
}

// Calls f(std::integral_constant<int64_t, rule>{}) for every rule but kRuleNone (the rules
// are numbered 0 .. kRuleNone - 1; R walks them at compile time).
template <int64_t R = 0, typename F>
inline void with_rule(Rule rule, F&& f) {
  if constexpr (R < kRuleNone) {
    if (rule == R) {
      f(std::integral_constant<int64_t, R>{});
    } else {
      with_rule<R + 1>(rule, f);
    }
  }
}

// Nadam's momentum coefficient at a step: in float for the update, in double for the
// running product (optimizer_step_end).
template <typename T>
STRATA_HD inline T nadam_momentum(T beta1, T step) {
  return beta1 * (T(1) - T(0.5) * std::pow(T(0.96), step * T(0.004)));
}

// The gradient scale after clipnorm: ||g * gscale|| from the sum of squares of g.
STRATA_HD inline float clipnorm_scale(float gscale, double sum_squares, float clipnorm) {
  const double norm = std::sqrt(sum_squares) * gscale;
  return norm > clipnorm ? gscale * static_cast<float>(clipnorm / norm) : gscale;
}

// global_clipnorm's scale min(1, clip / ||all gradients||).
STRATA_HD inline double global_clip_scale(double sum_squares, float clip) {
  const double norm = std::sqrt(sum_squares);
  return norm > clip ? clip / norm : 1.0;
}

// iterations += 1 and, when u_product is given (Nadam), the running momentum product.
STRATA_HD inline void advance_step(double& iterations, double* u_product, float beta1) {
  const double local_step = iterations + 1.0;
  if (u_product) *u_product *= nadam_momentum<double>(beta1, local_step);
  iterations = local_step;
}

// What one update's elements share: the attributes and the step-dependent coefficients.
struct UpdateStep {
  float lr = 0, gscale = 1, clipvalue = 0, decay = 0;
  float h0 = 0, h1 = 0, h2 = 0;
  int64_t flags = 0;
  float b1p = 0, b2p = 0, adam_alpha = 0;       // bias corrections
  float u_t = 0, u_t1 = 0, u_prod_t = 0, u_prod_t1 = 0;  // Nadam's momentum schedule
};

// floats: the instruction's [h0, h1, h2, h3, clipnorm, clipvalue, weight decay] (optimizer.cc).
// lr, iterations (before this step) and u_product (Nadam's running product, else unused)
// are the plan scalars; gscale is the gradient scale after global and local clipnorm.
STRATA_HD inline UpdateStep update_step(int64_t kind, int64_t flags, const float* floats, float lr, double iterations, float gscale,
                                        double u_product) {
  UpdateStep c;
  c.lr = lr;
  c.gscale = gscale;
  c.h0 = floats[0];
  c.h1 = floats[1];
  c.h2 = floats[2];
  c.clipvalue = floats[5];
  c.decay = floats[6];
  c.flags = flags;
  const double local_step = iterations + 1.0;
  c.b1p = std::pow(c.h0, static_cast<float>(local_step));
  c.b2p = std::pow(c.h1, static_cast<float>(local_step));
  c.adam_alpha = lr * std::sqrt(1.0f - c.b2p) / (1.0f - c.b1p);
  if (kind == kNadam) {
    c.u_t = nadam_momentum(c.h0, static_cast<float>(local_step));
    c.u_t1 = nadam_momentum(c.h0, static_cast<float>(local_step + 1));
    c.u_prod_t = static_cast<float>(u_product) * c.u_t;
    c.u_prod_t1 = c.u_prod_t * c.u_t1;
  }
  return c;
}

// Updates weight i and its slots s0..s2 (those the rule uses) from gradient g_in[i]:
// scale, clipvalue, decoupled weight decay, then the rule. Each value is loaded once and
// stored once (the pointers may not be proven apart, so the GPU would reload otherwise).
template <int64_t R>
STRATA_HD inline void update_element(std::integral_constant<int64_t, R>, const UpdateStep& c, int64_t i, float* w, const float* g_in,
                                     float* s0, float* s1, float* s2) {
  const float lr = c.lr, h0 = c.h0, h1 = c.h1, h2 = c.h2;
  float g = g_in[i] * c.gscale;
  if (c.clipvalue > 0.0f) g = std::clamp(g, -c.clipvalue, c.clipvalue);
  float wi = w[i];
  if (c.decay > 0.0f) wi -= wi * c.decay * lr;
  if constexpr (R == kRuleSgd) {
    wi -= lr * g;
  } else if constexpr (R == kRuleSgdMomentum || R == kRuleSgdNesterov) {
    const float v = h0 * s0[i] - lr * g;
    s0[i] = v;
    wi += R == kRuleSgdNesterov ? h0 * v - lr * g : v;
  } else if constexpr (R == kRuleRmsprop || R == kRuleRmspropGeneral) {
    const float rho = h0, eps = h2;
    const float ms = rho * s0[i] + (1.0f - rho) * g * g;
    s0[i] = ms;
    if constexpr (R == kRuleRmsprop) {
      wi -= lr * g / std::sqrt(ms + eps);
    } else {
      const float momentum = h1;
      float denom = ms + eps;
      if (c.flags & kCentered) {
        const float mg = rho * s2[i] + (1.0f - rho) * g;
        s2[i] = mg;
        denom = ms - mg * mg + eps;
      }
      const float inc = lr * g / std::sqrt(denom);
      if (momentum > 0.0f) {
        const float v = momentum * s1[i] + inc;
        s1[i] = v;
        wi -= v;
      } else {
        wi -= inc;
      }
    }
  } else if constexpr (R == kRuleAdam || R == kRuleAmsgrad || R == kRuleNadam) {
    float m = s0[i], v = s1[i];
    m += (g - m) * (1.0f - h0);
    v += (g * g - v) * (1.0f - h1);
    s0[i] = m;
    s1[i] = v;
    if constexpr (R == kRuleNadam) {
      const float m_hat = c.u_t1 * m / (1.0f - c.u_prod_t1) + (1.0f - c.u_t) * g / (1.0f - c.u_prod_t);
      const float v_hat = v / (1.0f - c.b2p);
      wi -= lr * m_hat / (std::sqrt(v_hat) + h2);
    } else {
      if constexpr (R == kRuleAmsgrad) {
        v = std::max(s2[i], v);
        s2[i] = v;
      }
      wi -= c.adam_alpha * m / (std::sqrt(v) + h2);
    }
  } else if constexpr (R == kRuleAdagrad) {
    const float acc = s0[i] + g * g;
    s0[i] = acc;
    wi -= lr * g / std::sqrt(acc + h0);
  } else if constexpr (R == kRuleAdadelta) {
    const float rho = h0, eps = h1;
    const float acc = rho * s0[i] + (1.0f - rho) * g * g;
    s0[i] = acc;
    const float d_acc = s1[i];
    const float delta = -std::sqrt(d_acc + eps) / std::sqrt(acc + eps) * g;
    s1[i] = rho * d_acc + (1.0f - rho) * delta * delta;
    wi += lr * delta;
  } else if constexpr (R == kRuleAdamax) {
    const float m = s0[i] + (g - s0[i]) * (1.0f - h0);
    const float u = std::max(h1 * s1[i], std::fabs(g));
    s0[i] = m;
    s1[i] = u;
    wi -= lr * m / ((1.0f - c.b1p) * (u + h2));
  }
  w[i] = wi;
}

}  // namespace strata::kernels
