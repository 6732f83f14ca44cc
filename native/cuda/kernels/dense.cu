// Dense on the device: y = act(x · W + b) over the last axis, with its backward; the
// semantics of src/kernels/dense.cc. The bias and an element-wise activation run in the
// GEMM's epilogue (one launch); softmax and log-softmax run over the rows afterwards.
#include "kernel.cuh"
#include "gemm.cuh"
#include "activation.cuh"

namespace strata::cuda {
namespace {

using kernels::is_row_wise;
using kernels::kLinear;
using kernels::kLogSoftmax;

// bufs [x, W, b or -1, z or -1, y]; ints [K, N, act]
// z (the pre-activation, bias included) is kept only for activations whose backward needs it.
void dense_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t k = in.ints[0], n = in.ints[1], act = in.ints[2];
  Gemm g;
  g.m = p.count(in.bufs[0]) / k;
  g.n = n;
  g.k = k;
  g.a = p.f32(in.bufs[0]);
  g.b = p.f32(in.bufs[1]);
  g.c = p.f32(in.bufs[4]);
  g.bias = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  g.pre = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  g.act = is_row_wise(act) ? kLinear : act;
  gemm(p, g);
  if (is_row_wise(act)) softmax_rows(p, g.c, g.c, g.m, n, act == kLogSoftmax);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW, db or -1]; ints [K, N, act, accumulate dx, accumulate dW/db]
// dy is turned into dz in place: it is this layer's own gradient buffer and is not read again.
void dense_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t k = in.ints[0], n = in.ints[1], act = in.ints[2];
  const bool acc_dx = in.ints[3] != 0, acc_dw = in.ints[4] != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* w = p.f32(in.bufs[1]);
  const float* z = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  const float* y = p.f32(in.bufs[3]);
  float* dz = p.f32(in.bufs[4]);
  float* dx = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  float* dw = p.f32(in.bufs[6]);
  float* db = in.bufs[7] >= 0 ? p.f32(in.bufs[7]) : nullptr;
  const int64_t m = p.count(in.bufs[0]) / k;
  if (act != kLinear) activate_backward(p, act, z, y, dz, dz, m * n, n, false);
  if (db) column_sums(p, dz, m, n, db, acc_dw);
  // dW = x^T · dz (K x N)
  Gemm gw;
  gw.trans_a = true;
  gw.m = k;
  gw.n = n;
  gw.k = m;
  gw.a = x;
  gw.b = dz;
  gw.beta = acc_dw ? 1.0f : 0.0f;
  gw.c = dw;
  gemm(p, gw);
  // dx = dz · W^T (M x K)
  if (dx) {
    Gemm gx;
    gx.trans_b = true;
    gx.m = m;
    gx.n = k;
    gx.k = n;
    gx.a = dz;
    gx.b = w;
    gx.beta = acc_dx ? 1.0f : 0.0f;
    gx.c = dx;
    gemm(p, gx);
  }
}

STRATA_CUDA_KERNEL("dense_fwd", dense_fwd);
STRATA_CUDA_KERNEL("dense_bwd", dense_bwd);

}  // namespace
}  // namespace strata::cuda
