// The element-wise functions of one value (unary_fwd / unary_bwd), forward next to backward;
// STRATA_HD, so the CPU kernels (unary.cc) and the CUDA ones compute the same rules.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../plan/plan.h"
#include "activation.h"
#include "host_device.h"

namespace strata::kernels {

enum UnaryOp : int64_t {
  kReluU = 0,
  kSigmoidU = 1,
  kTanhU = 2,
  kExp = 3,
  kLog = 4,
  kSqrt = 5,
  kSquare = 6,
  kAbs = 7,
  kNegative = 8,
  kReluExt = 9,   // Keras' ReLU layer: floats [negative_slope, threshold, max_value or < 0 for none]
  kEluAlpha = 10, // floats [alpha]
  kLeaky = 11,    // floats [negative_slope]: x >= 0 ? x : slope * x
};

struct UnaryParams {
  float p0 = 0, p1 = 0, p2 = 0;
};

inline UnaryParams unary_params(const plan::Instr& in) {
  UnaryParams q;
  if (in.floats.size() > 0) q.p0 = in.floats[0];
  if (in.floats.size() > 1) q.p1 = in.floats[1];
  if (in.floats.size() > 2) q.p2 = in.floats[2];
  return q;
}

// unary_bwd's buffers [x, y, dy, dx] and attributes ints [op, accumulate]; floats [params].
struct UnaryGrad {
  const float *x, *y, *dy;
  float* dx;
  int64_t n;
  bool acc;
  UnaryParams q;
};

inline UnaryGrad read_unary_grad(const plan::Plan& p, const plan::Instr& in) {
  return {p.f32(in.bufs[0]), p.f32(in.bufs[1]), p.f32(in.bufs[2]), p.f32(in.bufs[3]), p.count(in.bufs[3]), in.ints.at(1) != 0,
          unary_params(in)};
}

// Keras 3's relu(x, negative_slope, max_value, threshold): x above the threshold (capped at
// max_value), negative_slope * (x - threshold) below it.
STRATA_HD inline float relu_ext(float x, const UnaryParams& q) {
  if (x > q.p1) return q.p2 >= 0.0f ? std::min(x, q.p2) : x;
  return q.p0 * (x - q.p1);
}

template <int64_t OP>
STRATA_HD inline float unary(float x, const UnaryParams& q) {
  if constexpr (OP == kReluU) return x > 0.0f ? x : 0.0f;
  if constexpr (OP == kSigmoidU) return sigmoid(x);
  if constexpr (OP == kTanhU) return std::tanh(x);
  if constexpr (OP == kExp) return std::exp(x);
  if constexpr (OP == kLog) return std::log(x);
  if constexpr (OP == kSqrt) return std::sqrt(x);
  if constexpr (OP == kSquare) return x * x;
  if constexpr (OP == kAbs) return std::fabs(x);
  if constexpr (OP == kNegative) return -x;
  if constexpr (OP == kReluExt) return relu_ext(x, q);
  if constexpr (OP == kEluAlpha) return x > 0.0f ? x : q.p0 * std::expm1(x);
  if constexpr (OP == kLeaky) return x >= 0.0f ? x : q.p0 * x;
  return x;
}

// dL/dx from the input x, the output y and dL/dy.
template <int64_t OP>
STRATA_HD inline float unary_grad(float x, float y, float dy, const UnaryParams& q) {
  if constexpr (OP == kReluU) return y > 0.0f ? dy : 0.0f;
  if constexpr (OP == kSigmoidU) return dy * y * (1.0f - y);
  if constexpr (OP == kTanhU) return dy * (1.0f - y * y);
  if constexpr (OP == kExp) return dy * y;
  if constexpr (OP == kLog) return dy / x;
  if constexpr (OP == kSqrt) return dy * 0.5f / y;
  if constexpr (OP == kSquare) return 2.0f * x * dy;
  if constexpr (OP == kAbs) return x > 0.0f ? dy : (x < 0.0f ? -dy : 0.0f);
  if constexpr (OP == kNegative) return -dy;
  if constexpr (OP == kReluExt) {
    if (x > q.p1) return (q.p2 >= 0.0f && x >= q.p2) ? 0.0f : dy;
    return q.p0 * dy;
  }
  if constexpr (OP == kEluAlpha) return x > 0.0f ? dy : dy * (y + q.p0);
  if constexpr (OP == kLeaky) return x >= 0.0f ? dy : q.p0 * dy;
  return dy;
}

// Calls f(std::integral_constant<int64_t, op>{}) so that each op's loop is compiled on its own;
// `kernel` names the caller in the error for an unknown op.
template <typename F>
inline void with_unary_op(int64_t op, const char* kernel, F&& f) {
  using std::integral_constant;
  switch (op) {
    case kReluU: return f(integral_constant<int64_t, kReluU>{});
    case kSigmoidU: return f(integral_constant<int64_t, kSigmoidU>{});
    case kTanhU: return f(integral_constant<int64_t, kTanhU>{});
    case kExp: return f(integral_constant<int64_t, kExp>{});
    case kLog: return f(integral_constant<int64_t, kLog>{});
    case kSqrt: return f(integral_constant<int64_t, kSqrt>{});
    case kSquare: return f(integral_constant<int64_t, kSquare>{});
    case kAbs: return f(integral_constant<int64_t, kAbs>{});
    case kNegative: return f(integral_constant<int64_t, kNegative>{});
    case kReluExt: return f(integral_constant<int64_t, kReluExt>{});
    case kEluAlpha: return f(integral_constant<int64_t, kEluAlpha>{});
    case kLeaky: return f(integral_constant<int64_t, kLeaky>{});
    default: throw std::runtime_error(std::string(kernel) + ": unknown op " + std::to_string(op));
  }
}

}  // namespace strata::kernels
