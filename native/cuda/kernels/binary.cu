// Element-wise binary ops with NumPy broadcasting on the device (src/kernels/binary.cc):
// add, subtract, multiply, divide, maximum, minimum, pow and PReLU's learned slope, forward
// next to backward. Operands are walked as on the CPU (broadcast_walk, then a thread per
// output element); a gradient of a broadcast operand is computed over the output's shape
// and summed over the axes it was broadcast along (reduce_to, reduce.cu).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernel.cuh"
#include "strided.cuh"

namespace strata::cuda {
namespace {

enum BinaryOp : int64_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kPow = 6, kPrelu = 7 };

template <int OP>
__device__ inline float binary(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return a >= b ? a : b;
  if constexpr (OP == kMin) return a <= b ? a : b;
  if constexpr (OP == kPow) return powf(a, b);
  if constexpr (OP == kPrelu) return a > 0.0f ? a : b * a;  // b: the learned slope
  return 0.0f;
}

// d op(a, b) / da and / db, times dy; y = op(a, b). Ties of maximum / minimum go to a.
template <int OP, int WHICH>
__device__ inline float binary_grad(float a, float b, float y, float dy) {
  if constexpr (OP == kAdd) return dy;
  if constexpr (OP == kSub) return WHICH == 0 ? dy : -dy;
  if constexpr (OP == kMul) return WHICH == 0 ? dy * b : dy * a;
  if constexpr (OP == kDiv) return WHICH == 0 ? dy / b : -dy * y / b;
  if constexpr (OP == kMax) return (WHICH == 0) == (a >= b) ? dy : 0.0f;
  if constexpr (OP == kMin) return (WHICH == 0) == (a <= b) ? dy : 0.0f;
  if constexpr (OP == kPow) {
    if (WHICH == 0) return b == 0.0f ? 0.0f : dy * b * powf(a, b - 1.0f);
    return a > 0.0f ? dy * y * logf(a) : 0.0f;
  }
  if constexpr (OP == kPrelu) return WHICH == 0 ? (a > 0.0f ? dy : dy * b) : (a > 0.0f ? 0.0f : dy * a);
  return 0.0f;
}

// An operand: a device buffer, or a JS number given as a float attribute (no buffer).
struct Operand {
  const float* p;
  float c;
  __device__ float at(int64_t off) const { return p ? p[off] : c; }
};

struct BinaryArgs {
  int64_t op = 0;
  Dims out, da, db;
  Operand a{nullptr, 0.0f}, b{nullptr, 0.0f};
};

// bufs [a or -1, b or -1, ...]; ints [op, rank, out dims, a dims, b dims, ...]; floats [a, b]
// constants.
BinaryArgs read_binary(plan::Plan& p, const plan::Instr& in, kernels::IntReader& r) {
  BinaryArgs args;
  args.op = r.next();
  const int rank = kernels::read_rank(r);
  args.out = kernels::read_dims(r, rank, p.batch);
  args.da = kernels::read_dims(r, rank, p.batch);
  args.db = kernels::read_dims(r, rank, p.batch);
  args.a = in.bufs[0] >= 0 ? Operand{p.f32(in.bufs[0]), 0.0f} : Operand{nullptr, in.floats.at(0)};
  args.b = in.bufs[1] >= 0 ? Operand{p.f32(in.bufs[1]), 0.0f} : Operand{nullptr, in.floats.at(1)};
  return args;
}

Strided walk_of(const BinaryArgs& args) {
  const Dims* ops[2] = {&args.da, &args.db};
  return kernels::broadcast_walk(args.out, ops, 3);
}

template <int OP>
void binary_forward(plan::Plan& p, const BinaryArgs& args, float* y) {
  const Operand a = args.a, b = args.b;
  launch_strided<3>(p, walk_of(args), [=] __device__(const int64_t* off) { y[off[0]] = binary<OP>(a.at(off[1]), b.at(off[2])); },
                    "binary_fwd");
}

// y = a op b, broadcast (NumPy rules).
void binary_fwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  float* y = p.f32(in.bufs[2]);
  switch (args.op) {
    case kAdd: return binary_forward<kAdd>(p, args, y);
    case kSub: return binary_forward<kSub>(p, args, y);
    case kMul: return binary_forward<kMul>(p, args, y);
    case kDiv: return binary_forward<kDiv>(p, args, y);
    case kMax: return binary_forward<kMax>(p, args, y);
    case kMin: return binary_forward<kMin>(p, args, y);
    case kPow: return binary_forward<kPow>(p, args, y);
    case kPrelu: return binary_forward<kPrelu>(p, args, y);
    default: throw std::runtime_error("binary_fwd: unknown op " + std::to_string(args.op));
  }
}

// The gradient of operand WHICH: computed in place when the operand has the output's shape,
// otherwise over the output's shape into scratch (slot 0) and summed over its broadcast axes.
template <int OP, int WHICH>
void binary_backward_one(plan::Plan& p, const BinaryArgs& args, const float* y, const float* dy, float* target, bool acc) {
  const Dims& own = WHICH == 0 ? args.da : args.db;
  bool same = own.rank == args.out.rank;
  for (int i = 0; same && i < own.rank; ++i) same = own.d[i] == args.out.d[i];
  // Sums and differences pass dy through: reduce it directly.
  if ((OP == kAdd || OP == kSub) && !same) {
    reduce_to(p, kernels::kSum, dy, args.out, own, target, (OP == kSub && WHICH == 1) ? -1.0f : 1.0f, acc);
    return;
  }
  const int64_t n = args.out.size();
  float* g = same ? target : static_cast<float*>(scratch(p, 0, static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)));
  const bool g_acc = same && acc;
  const Operand a = args.a, b = args.b;
  launch_strided<3>(
      p, walk_of(args),
      [=] __device__(const int64_t* off) {
        const float v = binary_grad<OP, WHICH>(a.at(off[1]), b.at(off[2]), y[off[0]], dy[off[0]]);
        g[off[0]] = g_acc ? g[off[0]] + v : v;
      },
      "binary_bwd");
  if (!same) reduce_to(p, kernels::kSum, g, args.out, own, target, 1.0f, acc);
}

template <int OP>
void binary_backward(plan::Plan& p, const BinaryArgs& args, const float* y, const float* dy, float* da, bool acc_a, float* db,
                     bool acc_b) {
  if (da) binary_backward_one<OP, 0>(p, args, y, dy, da, acc_a);
  if (db) binary_backward_one<OP, 1>(p, args, y, dy, db, acc_b);
}

// bufs [a or -1, b or -1, y, dy, da or -1, db or -1]; ints [op, rank, out, a, b dims, accumulate da, accumulate db]
void binary_bwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const BinaryArgs args = read_binary(p, in, r);
  const bool acc_a = r.next() != 0, acc_b = r.next() != 0;
  const float* y = p.f32(in.bufs[2]);
  const float* dy = p.f32(in.bufs[3]);
  float* da = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  float* db = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  switch (args.op) {
    case kAdd: return binary_backward<kAdd>(p, args, y, dy, da, acc_a, db, acc_b);
    case kSub: return binary_backward<kSub>(p, args, y, dy, da, acc_a, db, acc_b);
    case kMul: return binary_backward<kMul>(p, args, y, dy, da, acc_a, db, acc_b);
    case kDiv: return binary_backward<kDiv>(p, args, y, dy, da, acc_a, db, acc_b);
    case kMax: return binary_backward<kMax>(p, args, y, dy, da, acc_a, db, acc_b);
    case kMin: return binary_backward<kMin>(p, args, y, dy, da, acc_a, db, acc_b);
    case kPow: return binary_backward<kPow>(p, args, y, dy, da, acc_a, db, acc_b);
    case kPrelu: return binary_backward<kPrelu>(p, args, y, dy, da, acc_a, db, acc_b);
    default: throw std::runtime_error("binary_bwd: unknown op " + std::to_string(args.op));
  }
}

STRATA_CUDA_KERNEL("binary_fwd", binary_fwd);
STRATA_CUDA_KERNEL("binary_bwd", binary_bwd);

}  // namespace
}  // namespace strata::cuda
