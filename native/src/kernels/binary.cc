// Element-wise binary ops with NumPy broadcasting (add, subtract, multiply, divide, maximum,
// minimum, pow, and PReLU's learned slope), forward next to backward. Operands are walked
// with broadcast_walk (strided.h); a gradient of a broadcast operand is computed over the
// output's shape and summed over the axes it was broadcast along.
#include "../plan/plan.h"
#include "binary.h"
#include "reduce.h"
#include "strided.h"

namespace strata::kernels {
namespace {

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

// The operands: a buffer, or a JS number operand (no buffer) as its float attribute, read
// with stride 0.
struct BinaryArgs {
  BinaryShape shape;
  const float* a = nullptr;
  const float* b = nullptr;
};

// bufs [a or -1, b or -1, ...]; ints [op, rank, out dims, a dims, b dims, ...]; floats [a, b]
// constants.
BinaryArgs read_binary(plan::Plan& p, const plan::Instr& in, IntReader& r) {
  BinaryArgs args;
  args.shape = read_binary_shape(p, r);
  args.a = in.bufs[0] >= 0 ? p.f32(in.bufs[0]) : &in.floats.at(0);
  args.b = in.bufs[1] >= 0 ? p.f32(in.bufs[1]) : &in.floats.at(1);
  return args;
}

template <int OP>
void binary_forward(const BinaryArgs& args, float* y, int threads) {
  const Strided s = args.shape.walk();
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) { binary_run<OP>(y + off[0], args.a + off[1], sa, args.b + off[2], sb, n); });
}

// y = a op b, broadcast (NumPy rules).
void binary_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  float* y = p.f32(in.bufs[2]);
  with_binary_op(args.shape.op, "binary_fwd", [&](auto op) { binary_forward<decltype(op)::value>(args, y, p.threads); });
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
  const Dims &out = args.shape.out, &own = args.shape.operand(WHICH);
  const bool same = !args.shape.broadcast(WHICH);
  // Sums and differences pass dy through: reduce it directly.
  if ((OP == kAdd || OP == kSub) && !same) {
    reduce_to(kSum, dy, out, own, target, (OP == kSub && WHICH == 1) ? -1.0f : 1.0f, acc, threads);
    return;
  }
  float* g = same ? target : scratch(0, out.size());
  const bool g_acc = same && acc;
  const Strided s = args.shape.walk();
  const int64_t sa = s.stride[1][s.rank - 1], sb = s.stride[2][s.rank - 1];
  for_strided(s, threads, [&](const int64_t* off, int64_t n) {
    binary_grad_run<OP, WHICH>(g + off[0], g_acc, args.a + off[1], sa, args.b + off[2], sb, y + off[0], dy + off[0], n);
  });
  if (!same) reduce_to(kSum, g, out, own, target, 1.0f, acc, threads);
}

template <int OP>
void binary_backward(const BinaryArgs& args, const BinaryGrads& g, int threads) {
  if (g.da) binary_backward_one<OP, 0>(args, g.y, g.dy, g.da, g.acc_a, threads);
  if (g.db) binary_backward_one<OP, 1>(args, g.y, g.dy, g.db, g.acc_b, threads);
}

// bufs [a or -1, b or -1, y, dy, da or -1, db or -1]; ints [op, rank, out, a, b dims, accumulate da, accumulate db]
void binary_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  const BinaryGrads g = read_binary_grads(p, in, r);
  with_binary_op(args.shape.op, "binary_bwd", [&](auto op) { binary_backward<decltype(op)::value>(args, g, p.threads); });
}

STRATA_KERNEL("binary_fwd", binary_fwd);
STRATA_KERNEL("binary_bwd", binary_bwd);

}  // namespace
}  // namespace strata::kernels
