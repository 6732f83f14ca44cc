// Element-wise functions of one value (the math ops of custom layers, and the ReLU, ELU and
// LeakyReLU layers with options), forward next to backward; and the two kernels without a
// backward: constants (fill) and float32 <-> int32 casts.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "parallel.h"
#include "unary.h"

namespace strata::kernels {
namespace {

template <int64_t OP>
void unary_forward(const float* x, float* y, int64_t n, const UnaryParams& q, int threads) {
  for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = unary<OP>(x[i], q);
  });
}

template <int64_t OP>
void unary_backward(const float* x, const float* y, const float* dy, float* dx, int64_t n, bool acc, const UnaryParams& q, int threads) {
  for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
    if (acc) {
      for (int64_t i = b; i < e; ++i) dx[i] += unary_grad<OP>(x[i], y[i], dy[i], q);
    } else {
      for (int64_t i = b; i < e; ++i) dx[i] = unary_grad<OP>(x[i], y[i], dy[i], q);
    }
  });
}

// bufs [x, y]; ints [op]; floats [params]
void unary_fwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t n = p.count(in.bufs[1]);
  const UnaryParams q = unary_params(in);
  with_unary_op(in.ints.at(0), "unary_fwd", [&](auto op) {
    constexpr int64_t OP = decltype(op)::value;
    unary_forward<OP>(x, y, n, q, p.threads);
  });
}

// bufs [x, y, dy, dx]; ints [op, accumulate]; floats [params]
void unary_bwd(plan::Plan& p, const plan::Instr& in) {
  const UnaryGrad g = read_unary_grad(p, in);
  with_unary_op(in.ints.at(0), "unary_bwd", [&](auto op) {
    constexpr int64_t OP = decltype(op)::value;
    unary_backward<OP>(g.x, g.y, g.dy, g.dx, g.n, g.acc, g.q, p.threads);
  });
}

// ---- constants and casts ---------------------------------------------------------------------

// bufs [y]; ints [int32]; floats [value]: a constant (zeros, ones, full), written every step
// (cheap, and a plan has no separate initialisation program).
void fill_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[0]);
  const float v = in.floats.at(0);
  if (in.ints.at(0) != 0) {
    int32_t* y = p.i32(in.bufs[0]);
    std::fill(y, y + n, static_cast<int32_t>(v));
  } else {
    float* y = p.f32(in.bufs[0]);
    std::fill(y, y + n, v);
  }
}

// bufs [x, y]; ints [to int32]: float32 -> int32 truncates toward zero (as Keras' cast);
// int32 -> float32 converts.
void cast_kernel(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[1]);
  if (in.ints.at(0) != 0) {
    const float* x = p.f32(in.bufs[0]);
    int32_t* y = p.i32(in.bufs[1]);
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = static_cast<int32_t>(std::trunc(x[i]));
    });
  } else {
    const int32_t* x = p.i32(in.bufs[0]);
    float* y = p.f32(in.bufs[1]);
    for_range(n, kElementGrain, p.threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = static_cast<float>(x[i]);
    });
  }
}

STRATA_KERNEL("unary_fwd", unary_fwd);
STRATA_KERNEL("unary_bwd", unary_bwd);
STRATA_KERNEL("fill", fill_kernel);
STRATA_KERNEL("cast", cast_kernel);

}  // namespace
}  // namespace strata::kernels
