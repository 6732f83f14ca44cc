// The element-wise binary ops (binary_fwd / binary_bwd) and their attributes, shared by the
// CPU kernels (binary.cc) and the CUDA ones: the per-element rules are STRATA_HD.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../plan/plan.h"
#include "host_device.h"
#include "strided.h"

namespace strata::kernels {

enum BinaryOp : int64_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kPow = 6, kPrelu = 7 };

template <int OP>
STRATA_HD inline float binary(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return a >= b ? a : b;
  if constexpr (OP == kMin) return a <= b ? a : b;
  if constexpr (OP == kPow) return std::pow(a, b);
  if constexpr (OP == kPrelu) return a > 0.0f ? a : b * a;  // b: the learned slope
  return 0.0f;
}

// d op(a, b) / da and / db, times dy. y = op(a, b) is given for the rules that reuse it.
// Ties of maximum / minimum go to a (TensorFlow's rule).
template <int OP, int WHICH>
STRATA_HD inline float binary_grad(float a, float b, float y, float dy) {
  if constexpr (OP == kAdd) return dy;
  if constexpr (OP == kSub) return WHICH == 0 ? dy : -dy;
  if constexpr (OP == kMul) return WHICH == 0 ? dy * b : dy * a;
  if constexpr (OP == kDiv) return WHICH == 0 ? dy / b : -dy * y / b;
  if constexpr (OP == kMax) return (WHICH == 0) == (a >= b) ? dy : 0.0f;
  if constexpr (OP == kMin) return (WHICH == 0) == (a <= b) ? dy : 0.0f;
  if constexpr (OP == kPow) {
    if (WHICH == 0) return b == 0.0f ? 0.0f : dy * b * std::pow(a, b - 1.0f);
    return a > 0.0f ? dy * y * std::log(a) : 0.0f;
  }
  if constexpr (OP == kPrelu) return WHICH == 0 ? (a > 0.0f ? dy : dy * b) : (a > 0.0f ? 0.0f : dy * a);
  return 0.0f;
}

// Calls f(std::integral_constant<int, op>{}); `kernel` names the caller in the error for an
// unknown op.
template <typename F>
inline void with_binary_op(int64_t op, const char* kernel, F&& f) {
  using std::integral_constant;
  switch (op) {
    case kAdd: return f(integral_constant<int, kAdd>{});
    case kSub: return f(integral_constant<int, kSub>{});
    case kMul: return f(integral_constant<int, kMul>{});
    case kDiv: return f(integral_constant<int, kDiv>{});
    case kMax: return f(integral_constant<int, kMax>{});
    case kMin: return f(integral_constant<int, kMin>{});
    case kPow: return f(integral_constant<int, kPow>{});
    case kPrelu: return f(integral_constant<int, kPrelu>{});
    default: throw std::runtime_error(std::string(kernel) + ": unknown op " + std::to_string(op));
  }
}

// The shapes of one binary op: ints [op, rank, out dims, a dims, b dims, ...].
struct BinaryShape {
  int64_t op = 0;
  Dims out, da, db;
  // The walk over the output with both operands broadcast to it.
  Strided walk() const {
    const Dims* ops[2] = {&da, &db};
    return broadcast_walk(out, ops, 3);
  }
  const Dims& operand(int which) const { return which == 0 ? da : db; }
  // Whether operand `which` (0: a, 1: b) is smaller than the output, so that its gradient is
  // summed over the axes it was broadcast along.
  bool broadcast(int which) const {
    const Dims& own = operand(which);
    bool same = own.rank == out.rank;
    for (int i = 0; same && i < own.rank; ++i) same = own.d[i] == out.d[i];
    return !same;
  }
};

inline BinaryShape read_binary_shape(const plan::Plan& p, IntReader& r) {
  BinaryShape s;
  s.op = r.next();
  const int rank = read_rank(r);
  s.out = read_dims(r, rank, p.batch);
  s.da = read_dims(r, rank, p.batch);
  s.db = read_dims(r, rank, p.batch);
  return s;
}

// The buffers of binary_bwd: bufs [a or -1, b or -1, y, dy, da or -1, db or -1], and the
// accumulate flags that follow the shapes in ints.
struct BinaryGrads {
  const float* y;
  const float* dy;
  float* da;
  float* db;
  bool acc_a, acc_b;
};

inline BinaryGrads read_binary_grads(plan::Plan& p, const plan::Instr& in, IntReader& r) {
  BinaryGrads g;
  g.acc_a = r.next() != 0;
  g.acc_b = r.next() != 0;
  g.y = p.f32(in.bufs[2]);
  g.dy = p.f32(in.bufs[3]);
  g.da = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  g.db = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  return g;
}

}  // namespace strata::kernels
