// Element-wise functions of one value on the device (src/kernels/unary.cc), forward next to
// backward; and the two kernels without a backward: constants (fill) and float32 <-> int32
// casts.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernel.cuh"
#include "kernels/unary.h"

namespace strata::cuda {
namespace {

using kernels::UnaryParams;

template <int64_t OP>
void unary_forward(const plan::Plan& p, const float* x, float* y, int64_t n, UnaryParams q) {
  launch_each(p, n, [=] __device__(int64_t i) { y[i] = kernels::unary<OP>(x[i], q); }, "unary_fwd");
}

template <int64_t OP>
void unary_backward(const plan::Plan& p, const float* x, const float* y, const float* dy, float* dx, int64_t n, bool acc,
                    UnaryParams q) {
  launch_each(
      p, n,
      [=] __device__(int64_t i) {
        const float g = kernels::unary_grad<OP>(x[i], y[i], dy[i], q);
        dx[i] = acc ? dx[i] + g : g;
      },
      "unary_bwd");
}

// bufs [x, y]; ints [op]; floats [params]
void unary_fwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t n = p.count(in.bufs[1]);
  const UnaryParams q = kernels::unary_params(in);
  kernels::with_unary_op(in.ints.at(0), "unary_fwd", [&](auto op) {
    constexpr int64_t OP = decltype(op)::value;
    unary_forward<OP>(p, x, y, n, q);
  });
}

// bufs [x, y, dy, dx]; ints [op, accumulate]; floats [params]
void unary_bwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::UnaryGrad g = kernels::read_unary_grad(p, in);
  kernels::with_unary_op(in.ints.at(0), "unary_bwd", [&](auto op) {
    constexpr int64_t OP = decltype(op)::value;
    unary_backward<OP>(p, g.x, g.y, g.dy, g.dx, g.n, g.acc, g.q);
  });
}

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
