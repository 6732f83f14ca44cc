// Dense: y = act(x · W + b) over the last axis, with its backward. The bias and the
// activation are applied to each block of rows right after the GEMM, while it is in cache.
#include <algorithm>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "dense.h"
#include "layer_bufs.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// bufs [x, W, b or -1, z or -1, y]; ints [K, N, act]
// z (the pre-activation) is kept only for activations whose backward needs it.
void dense_fwd(plan::Plan& p, const plan::Instr& in) {
  const DenseDims d = dense_dims(p, in);
  const int64_t m = d.m, k = d.k, n = d.n, act = d.act;
  const LayerForward io = layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  float* pre = z ? z : y;
  cpu::sgemm(p.isa, p.threads, false, false, m, n, k, 1.0f, x, w, 0.0f, pre);
  with_act(is_row_wise(act) ? kLinear : act, [&](auto a) {
    for_rows(m, n, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float* row = pre + r * n;
        float* out = y + r * n;
        if (b) {
          for (int64_t j = 0; j < n; ++j) out[j] = act_forward(a, row[j] + b[j]);
          if (z) for (int64_t j = 0; j < n; ++j) row[j] += b[j];
        } else if (a != kLinear || out != row) {
          for (int64_t j = 0; j < n; ++j) out[j] = act_forward(a, row[j]);
        }
      }
    });
  });
  // Row-wise activations run after the bias is in y (pre is y when z is not kept).
  if (is_row_wise(act)) softmax_rows(y, y, m, n, act == kLogSoftmax, p.threads);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW, db or -1]; ints [K, N, act, accumulate dx, accumulate dW/db]
// dy is turned into dz in place: it is this layer's own gradient buffer and is not read again.
void dense_bwd(plan::Plan& p, const plan::Instr& in) {
  const DenseDims d = dense_dims(p, in);
  const int64_t m = d.m, k = d.k, n = d.n, act = d.act;
  const bool acc_dx = in.ints[3] != 0, acc_dw = in.ints[4] != 0;
  const LayerBackward io = layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  if (act != kLinear) activate_backward(act, z, y, dz, dz, m * n, n, false, p.threads);
  if (db) {
    if (!acc_dw) std::fill(db, db + n, 0.0f);
    for (int64_t r = 0; r < m; ++r) {
      const float* row = dz + r * n;
      for (int64_t j = 0; j < n; ++j) db[j] += row[j];
    }
  }
  // dW = x^T · dz (K x N); dx = dz · W^T (M x K)
  cpu::sgemm(p.isa, p.threads, true, false, k, n, m, 1.0f, x, dz, acc_dw ? 1.0f : 0.0f, dw);
  if (dx) cpu::sgemm(p.isa, p.threads, false, true, m, k, n, 1.0f, dz, w, acc_dx ? 1.0f : 0.0f, dx);
}

STRATA_KERNEL("dense_fwd", dense_fwd);
STRATA_KERNEL("dense_bwd", dense_bwd);

}  // namespace
}  // namespace strata::kernels
