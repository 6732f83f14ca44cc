// Element-wise binary ops with NumPy broadcasting on the device (src/kernels/binary.cc):
// add, subtract, multiply, divide, maximum, minimum, pow and PReLU's learned slope, forward
// next to backward. Operands are walked as on the CPU (broadcast_walk, then a thread per
// output element); a gradient of a broadcast operand is computed over the output's shape
// and summed over the axes it was broadcast along (reduce_to, reduce.cu).
#include <algorithm>
#include <cstdint>

#include "kernel.cuh"
#include "kernels/binary.h"
#include "strided.cuh"

namespace strata::cuda {
namespace {

using kernels::BinaryGrads;
using kernels::BinaryShape;

// An operand: a device buffer, or a JS number given as a float attribute (no buffer).
struct Operand {
  const float* p;
  float c;
  __device__ float at(int64_t off) const { return p ? p[off] : c; }
};

struct BinaryArgs {
  BinaryShape shape;
  Operand a{nullptr, 0.0f}, b{nullptr, 0.0f};
};

// bufs [a or -1, b or -1, ...]; ints [op, rank, out dims, a dims, b dims, ...]; floats [a, b]
// constants.
BinaryArgs read_binary(plan::Plan& p, const plan::Instr& in, kernels::IntReader& r) {
  BinaryArgs args;
  args.shape = kernels::read_binary_shape(p, r);
  args.a = in.bufs[0] >= 0 ? Operand{p.f32(in.bufs[0]), 0.0f} : Operand{nullptr, in.floats.at(0)};
  args.b = in.bufs[1] >= 0 ? Operand{p.f32(in.bufs[1]), 0.0f} : Operand{nullptr, in.floats.at(1)};
  return args;
}

template <int OP>
void binary_forward(plan::Plan& p, const BinaryArgs& args, float* y) {
  const Operand a = args.a, b = args.b;
  launch_strided<3>(
      p, args.shape.walk(), [=] __device__(const int64_t* off) { y[off[0]] = kernels::binary<OP>(a.at(off[1]), b.at(off[2])); },
      "binary_fwd");
}

// y = a op b, broadcast (NumPy rules).
void binary_fwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  float* y = p.f32(in.bufs[2]);
  kernels::with_binary_op(args.shape.op, "binary_fwd", [&](auto op) { binary_forward<decltype(op)::value>(p, args, y); });
}

// The gradient of operand WHICH: computed in place when the operand has the output's shape,
// otherwise over the output's shape into scratch (slot 0) and summed over its broadcast axes.
template <int OP, int WHICH>
void binary_backward_one(plan::Plan& p, const BinaryArgs& args, const float* y, const float* dy, float* target, bool acc) {
  const Dims &out = args.shape.out, &own = args.shape.operand(WHICH);
  const bool same = !args.shape.broadcast(WHICH);
  // Sums and differences pass dy through: reduce it directly.
  if ((OP == kernels::kAdd || OP == kernels::kSub) && !same) {
    reduce_to(p, kernels::kSum, dy, out, own, target, (OP == kernels::kSub && WHICH == 1) ? -1.0f : 1.0f, acc);
    return;
  }
  const int64_t n = out.size();
  float* g = same ? target : static_cast<float*>(scratch(p, 0, static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)));
  const bool g_acc = same && acc;
  const Operand a = args.a, b = args.b;
  launch_strided<3>(
      p, args.shape.walk(),
      [=] __device__(const int64_t* off) {
        const float v = kernels::binary_grad<OP, WHICH>(a.at(off[1]), b.at(off[2]), y[off[0]], dy[off[0]]);
        g[off[0]] = g_acc ? g[off[0]] + v : v;
      },
      "binary_bwd");
  if (!same) reduce_to(p, kernels::kSum, g, out, own, target, 1.0f, acc);
}

template <int OP>
void binary_backward(plan::Plan& p, const BinaryArgs& args, const BinaryGrads& g) {
  if (g.da) binary_backward_one<OP, 0>(p, args, g.y, g.dy, g.da, g.acc_a);
  if (g.db) binary_backward_one<OP, 1>(p, args, g.y, g.dy, g.db, g.acc_b);
}

// bufs [a or -1, b or -1, y, dy, da or -1, db or -1]; ints [op, rank, out, a, b dims, accumulate da, accumulate db]
void binary_bwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  const BinaryGrads g = kernels::read_binary_grads(p, in, r);
  kernels::with_binary_op(args.shape.op, "binary_bwd", [&](auto op) { binary_backward<decltype(op)::value>(p, args, g); });
}

STRATA_CUDA_KERNEL("binary_fwd", binary_fwd);
STRATA_CUDA_KERNEL("binary_bwd", binary_bwd);

}  // namespace
}  // namespace strata::cuda
