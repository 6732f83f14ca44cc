// Element-wise functions of one value on the device (src/kernels/unary.cc), forward next to
// backward; and the two kernels without a backward: constants (fill) and float32 <-> int32
// casts.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernel.cuh"
#include "activation.cuh"

namespace strata::cuda {
namespace {

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

// Keras 3's relu(x, negative_slope, max_value, threshold).
__device__ inline float relu_ext(float x, const UnaryParams& q) {
  if (x > q.p1) return q.p2 >= 0.0f ? fminf(x, q.p2) : x;
  return q.p0 * (x - q.p1);
}

template <int64_t OP>
__device__ inline float unary(float x, const UnaryParams& q) {
  if constexpr (OP == kReluU) return x > 0.0f ? x : 0.0f;
  if constexpr (OP == kSigmoidU) return d_sigmoid(x);
  if constexpr (OP == kTanhU) return tanhf(x);
  if constexpr (OP == kExp) return expf(x);
  if constexpr (OP == kLog) return logf(x);
  if constexpr (OP == kSqrt) return sqrtf(x);
  if constexpr (OP == kSquare) return x * x;
  if constexpr (OP == kAbs) return fabsf(x);
  if constexpr (OP == kNegative) return -x;
  if constexpr (OP == kReluExt) return relu_ext(x, q);
  if constexpr (OP == kEluAlpha) return x > 0.0f ? x : q.p0 * expm1f(x);
  if constexpr (OP == kLeaky) return x >= 0.0f ? x : q.p0 * x;
  return x;
}

// dL/dx from the input x, the output y and dL/dy.
template <int64_t OP>
__device__ inline float unary_grad(float x, float y, float dy, const UnaryParams& q) {
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

template <int64_t OP>
void unary_forward(const plan::Plan& p, const float* x, float* y, int64_t n, UnaryParams q) {
  launch_each(p, n, [=] __device__(int64_t i) { y[i] = unary<OP>(x[i], q); }, "unary_fwd");
}

template <int64_t OP>
void unary_backward(const plan::Plan& p, const float* x, const float* y, const float* dy, float* dx, int64_t n, bool acc,
                    UnaryParams q) {
  launch_each(
      p, n,
      [=] __device__(int64_t i) {
        const float g = unary_grad<OP>(x[i], y[i], dy[i], q);
        dx[i] = acc ? dx[i] + g : g;
      },
      "unary_bwd");
}

UnaryParams unary_params(const plan::Instr& in) {
  UnaryParams q;
  if (in.floats.size() > 0) q.p0 = in.floats[0];
  if (in.floats.size() > 1) q.p1 = in.floats[1];
  if (in.floats.size() > 2) q.p2 = in.floats[2];
  return q;
}

#define STRATA_UNARY_CASES(CALL) \
  CALL(kReluU)                   \
  CALL(kSigmoidU)                \
  CALL(kTanhU)                   \
  CALL(kExp)                     \
  CALL(kLog)                     \
  CALL(kSqrt)                    \
  CALL(kSquare)                  \
  CALL(kAbs)                     \
  CALL(kNegative)                \
  CALL(kReluExt)                 \
  CALL(kEluAlpha)                \
  CALL(kLeaky)

// bufs [x, y]; ints [op]; floats [params]
void unary_fwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t n = p.count(in.bufs[1]);
  const UnaryParams q = unary_params(in);
  switch (in.ints.at(0)) {
#define CASE(OP) \
  case OP: return unary_forward<OP>(p, x, y, n, q);
    STRATA_UNARY_CASES(CASE)
#undef CASE
    default: throw std::runtime_error("unary_fwd: unknown op " + std::to_string(in.ints.at(0)));
  }
}

// bufs [x, y, dy, dx]; ints [op, accumulate]; floats [params]
void unary_bwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  const int64_t n = p.count(in.bufs[3]);
  const bool acc = in.ints.at(1) != 0;
  const UnaryParams q = unary_params(in);
  switch (in.ints.at(0)) {
#define CASE(OP) \
  case OP: return unary_backward<OP>(p, x, y, dy, dx, n, acc, q);
    STRATA_UNARY_CASES(CASE)
#undef CASE
    default: throw std::runtime_error("unary_bwd: unknown op " + std::to_string(in.ints.at(0)));
  }
}

#undef STRATA_UNARY_CASES

// ---- constants and casts ---------------------------------------------------------------------

// bufs [y]; ints [int32]; floats [value]: a constant, written every step.
void fill_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[0]);
  const float v = in.floats.at(0);
  if (in.ints.at(0) != 0) {
    int32_t* y = p.i32(in.bufs[0]);
    const int32_t iv = static_cast<int32_t>(v);
    launch_each(p, n, [=] __device__(int64_t i) { y[i] = iv; }, "fill");
  } else {
    float* y = p.f32(in.bufs[0]);
    launch_each(p, n, [=] __device__(int64_t i) { y[i] = v; }, "fill");
  }
}

// bufs [x, y]; ints [to int32]: float32 -> int32 truncates toward zero (as Keras' cast);
// int32 -> float32 converts.
void cast_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[1]);
  if (in.ints.at(0) != 0) {
    const float* x = p.f32(in.bufs[0]);
    int32_t* y = p.i32(in.bufs[1]);
    launch_each(p, n, [=] __device__(int64_t i) { y[i] = static_cast<int32_t>(truncf(x[i])); }, "cast");
  } else {
    const int32_t* x = p.i32(in.bufs[0]);
    float* y = p.f32(in.bufs[1]);
    launch_each(p, n, [=] __device__(int64_t i) { y[i] = static_cast<float>(x[i]); }, "cast");
  }
}

STRATA_CUDA_KERNEL("unary_fwd", unary_fwd);
STRATA_CUDA_KERNEL("unary_bwd", unary_bwd);
STRATA_CUDA_KERNEL("fill", fill_kernel);
STRATA_CUDA_KERNEL("cast", cast_kernel);

}  // namespace
}  // namespace strata::cuda
