// Element-wise activations, forward and backward side by side. The codes are shared with
// the JS plan compiler (electron/engine/plan/kernels.ts); the per-element rules are
// STRATA_HD, so the CUDA kernels compute the very same functions.
//
// Backward takes the pre-activation x and the output y; most rules need only y, so layers
// keep x only for the activations that need it (needs_input).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "host_device.h"

namespace strata::kernels {

enum Act : int64_t {
  kLinear = 0,
  kRelu = 1,
  kSigmoid = 2,
  kTanh = 3,
  kSoftmax = 4,  // over the last axis; see softmax_rows
  kElu = 5,
  kSelu = 6,
  kSoftplus = 7,
  kSoftsign = 8,
  kSilu = 9,
  kGelu = 10,
  kExponential = 11,
  kHardSigmoid = 12,
  kRelu6 = 13,
  kLeakyRelu = 14,
  kLogSoftmax = 15,  // over the last axis
  kMish = 16,
};

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;
constexpr float kLeakySlope = 0.2f;  // Keras 3's default for the `leaky_relu` activation

inline bool is_row_wise(int64_t act) { return act == kSoftmax || act == kLogSoftmax; }

inline bool needs_input(int64_t act) {
  return act == kSoftplus || act == kSoftsign || act == kSilu || act == kGelu || act == kMish;
}

STRATA_HD inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

STRATA_HD inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

// y = f(x)
STRATA_HD inline float act_forward(int64_t act, float x) {
  switch (act) {
    case kRelu: return x > 0.0f ? x : 0.0f;
    case kSigmoid: return sigmoid(x);
    case kTanh: return std::tanh(x);
    case kElu: return x > 0.0f ? x : std::expm1(x);
    case kSelu: return kSeluScale * (x > 0.0f ? x : kSeluAlpha * std::expm1(x));
    case kSoftplus: return softplus(x);
    case kSoftsign: return x / (1.0f + std::fabs(x));
    case kSilu: return x * sigmoid(x);
    case kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case kExponential: return std::exp(x);
    case kHardSigmoid: return std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f);
    case kRelu6: return std::clamp(x, 0.0f, 6.0f);
    case kLeakyRelu: return x > 0.0f ? x : kLeakySlope * x;
    case kMish: return x * std::tanh(softplus(x));
    default: return x;
  }
}

// dL/dx from dL/dy, the input x (when needs_input) and the output y.
STRATA_HD inline float act_backward(int64_t act, float x, float y, float dy) {
  switch (act) {
    case kRelu: return y > 0.0f ? dy : 0.0f;
    case kSigmoid: return dy * y * (1.0f - y);
    case kTanh: return dy * (1.0f - y * y);
    case kElu: return y > 0.0f ? dy : dy * (y + 1.0f);
    case kSelu: return y > 0.0f ? dy * kSeluScale : dy * (y + kSeluScale * kSeluAlpha);
    case kSoftplus: return dy * sigmoid(x);
    case kSoftsign: {
      const float d = 1.0f + std::fabs(x);
      return dy / (d * d);
    }
    case kSilu: {
      const float s = sigmoid(x);
      return dy * s * (1.0f + x * (1.0f - s));
    }
    case kGelu: {
      const float cdf = 0.5f * (1.0f + std::erf(x * 0.70710678118654752f));
      const float pdf = 0.3989422804014327f * std::exp(-0.5f * x * x);
      return dy * (cdf + x * pdf);
    }
    case kExponential: return dy * y;
    case kHardSigmoid: return (y > 0.0f && y < 1.0f) ? dy / 6.0f : 0.0f;
    case kRelu6: return (y > 0.0f && y < 6.0f) ? dy : 0.0f;
    case kLeakyRelu: return y > 0.0f ? dy : dy * kLeakySlope;
    case kMish: {
      const float sp = softplus(x);
      const float t = std::tanh(sp);
      return dy * (t + x * (1.0f - t * t) * sigmoid(x));
    }
    default: return dy;
  }
}

// Calls f(std::integral_constant<int64_t, act>{}) so that loops over elements get the
// activation as a compile-time constant: no branch per element, and vectorised code.
template <typename F>
inline void with_act(int64_t act, F&& f) {
  using std::integral_constant;
  switch (act) {
    case kRelu: f(integral_constant<int64_t, kRelu>{}); break;
    case kSigmoid: f(integral_constant<int64_t, kSigmoid>{}); break;
    case kTanh: f(integral_constant<int64_t, kTanh>{}); break;
    case kElu: f(integral_constant<int64_t, kElu>{}); break;
    case kSelu: f(integral_constant<int64_t, kSelu>{}); break;
    case kSoftplus: f(integral_constant<int64_t, kSoftplus>{}); break;
    case kSoftsign: f(integral_constant<int64_t, kSoftsign>{}); break;
    case kSilu: f(integral_constant<int64_t, kSilu>{}); break;
    case kGelu: f(integral_constant<int64_t, kGelu>{}); break;
    case kExponential: f(integral_constant<int64_t, kExponential>{}); break;
    case kHardSigmoid: f(integral_constant<int64_t, kHardSigmoid>{}); break;
    case kRelu6: f(integral_constant<int64_t, kRelu6>{}); break;
    case kLeakyRelu: f(integral_constant<int64_t, kLeakyRelu>{}); break;
    case kMish: f(integral_constant<int64_t, kMish>{}); break;
    default: f(integral_constant<int64_t, kLinear>{}); break;
  }
}

// Softmax (or log-softmax) of each row of n values, in place safe (y may equal x).
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n, bool log, int threads);
// dx = y * (dy - sum(dy * y)) for softmax; dx = dy - softmax * sum(dy) for log-softmax.
void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log, bool accumulate,
                           int threads);

// Applies an element-wise activation to n values (y may equal x); row-wise ones need `cols`.
void activate(int64_t act, const float* x, float* y, int64_t n, int64_t cols, int threads);
// dx (+)= f'(x) dy; x may be null when !needs_input(act). dx may equal dy.
void activate_backward(int64_t act, const float* x, const float* y, const float* dy, float* dx, int64_t n, int64_t cols,
                       bool accumulate, int threads);

}  // namespace strata::kernels
