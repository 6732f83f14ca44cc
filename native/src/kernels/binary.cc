// Element-wise binary ops with NumPy broadcasting (add, subtract, multiply, divide, maximum,
// minimum, pow, and PReLU's learned slope), forward next to backward. Operands are walked
// with broadcast_walk (strided.h); a gradient of a broadcast operand is computed over the
// output's shape and summed over the axes it was broadcast along.
#include <cmath>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "reduce.h"
#include "strided.h"

namespace strata::kernels {
namespace {

enum BinaryOp : int64_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kPow = 6, kPrelu = 7 };

template <int OP>
inline float binary(float a, float b) {
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
inline float binary_grad(float a, float b, float y, float dy) {
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

// One innermost run; the unit- and zero-stride cases are written out so that they vectorize.
template <int OP>
void binary_run(float* y, const float* a, int64_t sa, const float* b, int64_t sb, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = binary<OP>(a[i * sa], b[i * sb]);
  }
}

struct BinaryArgs {
  int64_t op = 0;
  Dims out, da, db;
  const float* a = nullptr;
  const float* b = nullptr;
};

// bufs [a or -1, b or -1, ...]; ints [op, rank, out dims, a dims, b dims, ...]; floats [a, b]
// constants (a JS number operand has no buffer: its value is a float attribute).
BinaryArgs read_binary(plan::Plan& p, const plan::Instr& in, IntReader& r) {
  BinaryArgs args;
  args.op = r.next();
  const int rank = read_rank(r);
  args.out = read_dims(r, rank, p.batch);
  args.da = read_dims(r, rank, p.batch);
  args.db = read_dims(r, rank, p.batch);
  args.a = in.bufs[0] >= 0 ? p.f32(in.bufs[0]) : &in.floats.at(0);
  args.b = in.bufs[1] >= 0 ? p.f32(in.bufs[1]) : &in.floats.at(1);
  return args;
}

template <int OP>
void binary_forward(const BinaryArgs& args, float* y, int threads) {
  const Dims* ops[2] = {&args.da, &args.db};
  const Strided s = broadcast_walk(args.out, ops, 3);
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) { binary_run<OP>(y + off[0], args.a + off[1], sa, args.b + off[2], sb, n); });
}

// y = a op b, broadcast (NumPy rules).
void binary_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  float* y = p.f32(in.bufs[2]);
  switch (args.op) {
    case kAdd: return binary_forward<kAdd>(args, y, p.threads);
    case kSub: return binary_forward<kSub>(args, y, p.threads);
    case kMul: return binary_forward<kMul>(args, y, p.threads);
    case kDiv: return binary_forward<kDiv>(args, y, p.threads);
    case kMax: return binary_forward<kMax>(args, y, p.threads);
    case kMin: return binary_forward<kMin>(args, y, p.threads);
    case kPow: return binary_forward<kPow>(args, y, p.threads);
    case kPrelu: return binary_forward<kPrelu>(args, y, p.threads);
    default: throw std::runtime_error("binary_fwd: unknown op " + std::to_string(args.op));
  }
}

template <int OP, int WHICH>
void binary_grad_run(float* g, bool acc, const float* a, int64_t sa, const float* b, int64_t sb, const float* y, const float* dy,
                     int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i], b[i], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i], bv, y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(av, b[i], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float v = binary_grad<OP, WHICH>(a[i * sa], b[i * sb], y[i], dy[i]);
      g[i] = acc ? g[i] + v : v;
    }
  }
}

// The gradient of operand WHICH: computed in place when the operand has the output's shape,
// otherwise over the output's shape into scratch and summed over its broadcast axes.
template <int OP, int WHICH>
void binary_backward_one(const BinaryArgs& args, const float* y, const float* dy, float* target, bool acc, int threads) {
  const Dims& own = WHICH == 0 ? args.da : args.db;
  bool same = own.rank == args.out.rank;
  for (int i = 0; same && i < own.rank; ++i) same = own.d[i] == args.out.d[i];
  // Sums and differences pass dy through: reduce it directly.
  if ((OP == kAdd || OP == kSub) && !same) {
    reduce_to(kSum, dy, args.out, own, target, (OP == kSub && WHICH == 1) ? -1.0f : 1.0f, acc, threads);
    return;
  }
  float* g = same ? target : scratch(0, args.out.size());
  const bool g_acc = same && acc;
  const Dims* ops[2] = {&args.da, &args.db};
  const Strided s = broadcast_walk(args.out, ops, 3);
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) {
    binary_grad_run<OP, WHICH>(g + off[0], g_acc, args.a + off[1], sa, args.b + off[2], sb, y + off[0], dy + off[0], n);
  });
  if (!same) reduce_to(kSum, g, args.out, own, target, 1.0f, acc, threads);
}

template <int OP>
void binary_backward(const BinaryArgs& args, const float* y, const float* dy, float* da, bool acc_a, float* db, bool acc_b, int threads) {
  if (da) binary_backward_one<OP, 0>(args, y, dy, da, acc_a, threads);
  if (db) binary_backward_one<OP, 1>(args, y, dy, db, acc_b, threads);
}

// bufs [a or -1, b or -1, y, dy, da or -1, db or -1]; ints [op, rank, out, a, b dims, accumulate da, accumulate db]
void binary_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  const bool acc_a = r.next() != 0, acc_b = r.next() != 0;
  const float* y = p.f32(in.bufs[2]);
  const float* dy = p.f32(in.bufs[3]);
  float* da = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  float* db = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  switch (args.op) {
    case kAdd: return binary_backward<kAdd>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kSub: return binary_backward<kSub>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMul: return binary_backward<kMul>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kDiv: return binary_backward<kDiv>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMax: return binary_backward<kMax>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kMin: return binary_backward<kMin>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kPow: return binary_backward<kPow>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    case kPrelu: return binary_backward<kPrelu>(args, y, dy, da, acc_a, db, acc_b, p.threads);
    default: throw std::runtime_error("binary_bwd: unknown op " + std::to_string(args.op));
  }
}

STRATA_KERNEL("binary_fwd", binary_fwd);
STRATA_KERNEL("binary_bwd", binary_bwd);

}  // namespace
}  // namespace strata::kernels
