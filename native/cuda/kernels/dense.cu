// Dense on the device: y = act(x · W + b) over the last axis, with its backward; the
// semantics of src/kernels/dense.cc. The bias and an element-wise activation run in the
// GEMM's epilogue (one launch); softmax and log-softmax run over the rows afterwards.
#include "kernel.cuh"
#include "gemm.cuh"
#include "activation.cuh"
#include "kernels/dense.h"
#include "kernels/layer_bufs.h"

namespace strata::cuda {
namespace {

using kernels::is_row_wise;
using kernels::kLinear;
using kernels::kLogSoftmax;

// bufs [x, W, b or -1, z or -1, y]; ints [K, N, act]
// z (the pre-activation, bias included) is kept only for activations whose backward needs it.
void dense_fwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::DenseDims d = kernels::dense_dims(p, in);
  const int64_t m = d.m, k = d.k, n = d.n, act = d.act;
  const kernels::LayerForward io = kernels::layer_forward(p, in);
  Gemm g = product(false, false, m, n, k, io.x, io.w, 0.0f, io.y);
  g.bias = io.b;
  g.pre = io.z;
  g.act = is_row_wise(act) ? kLinear : act;
  gemm(p, g);
  if (is_row_wise(act)) softmax_rows(p, io.y, io.y, m, n, act == kLogSoftmax);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW, db or -1]; ints [K, N, act, accumulate dx, accumulate dW/db]
// dy is turned into dz in place: it is this layer's own gradient buffer and is not read again.
void dense_bwd(plan::Plan& p, const plan::Instr& in) {
  const kernels::DenseDims d = kernels::dense_dims(p, in);
  const int64_t m = d.m, k = d.k, n = d.n, act = d.act;
  const bool acc_dx = in.ints[3] != 0, acc_dw = in.ints[4] != 0;
  const kernels::LayerBackward io = kernels::layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  if (act != kLinear) activate_backward(p, act, z, y, dz, dz, m * n, n, false);
  if (db) column_sums(p, dz, m, n, db, acc_dw);
  // dW = x^T · dz (K x N); dx = dz · W^T (M x K)
  gemm(p, product(true, false, k, n, m, x, dz, acc_dw ? 1.0f : 0.0f, dw));
  if (dx) gemm(p, product(false, true, m, k, n, dz, w, acc_dx ? 1.0f : 0.0f, dx));
}

STRATA_CUDA_KERNEL("dense_fwd", dense_fwd);
STRATA_CUDA_KERNEL("dense_bwd", dense_bwd);

}  // namespace
}  // namespace strata::cuda
