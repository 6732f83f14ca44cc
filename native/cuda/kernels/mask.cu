// Masks on the device (src/kernels/mask.cc): one float per (sample, step), 1 where the step
// counts and 0 where it is padding; made from values, combined, and applied to rows.
// Rows are counted from the buffers (p.count), never from p.batch, so the kernels also run
// inside TimeDistributed.
#include <cstdint>

#include "../kernel.cuh"
#include "kernels/mask.h"

namespace strata::cuda {
namespace {

// bufs [x, mask]; ints [row]; floats [value]
// mask[r] = 1 if any of the `row` values x[r, :] differs from `value`. x is float32 or int32.
void mask_not_equal(plan::Plan& p, const plan::Instr& in) {
  const kernels::NotEqualArgs a = kernels::read_not_equal(p, in);
  launch_each(p, a.rows, [=] __device__(int64_t r) { a.mask[r] = kernels::row_differs(a, r) ? 1.0f : 0.0f; }, "mask_not_equal");
}

// Masks one launch reads; more are folded into y by further launches (all/any associate).
constexpr int kMasksPerLaunch = 8;
struct MaskList {
  const float* m[kMasksPerLaunch];
  int count;
};

// bufs [mask_0, ..., mask_k-1, y]; ints [all or any]
// y keeps a step when all (or any) of the masks keep it; with no masks, `all` keeps every step.
void mask_combine(plan::Plan& p, const plan::Instr& in) {
  const bool any = in.ints[0] == kernels::kAny;
  const size_t k = in.bufs.size() - 1;
  float* y = p.f32(in.bufs[k]);
  const int64_t n = p.count(in.bufs[k]);
  size_t next = 0;
  do {
    // Launches after the first start from y, which holds the masks combined so far.
    const bool from_y = next > 0;
    MaskList list{};
    while (next < k && list.count < kMasksPerLaunch) list.m[list.count++] = p.f32(in.bufs[next++]);
    launch_each(p, n, [=] __device__(int64_t i) {
      bool keep = from_y ? y[i] != 0.0f : !any;
#pragma unroll
      for (int m = 0; m < kMasksPerLaunch; ++m)  // unrolled, so the list stays in parameter space
        if (m < list.count) keep = kernels::combine_step(any, keep, list.m[m][i]);
      y[i] = keep ? 1.0f : 0.0f;
    }, "mask_combine");
  } while (next < k);
}

// bufs [x, mask, y]; ints [row]
// y[r, :] = x[r, :] where the mask keeps row r, else zeros.
void mask_rows_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t row = in.ints[0];
  const float* x = p.f32(in.bufs[0]);
  const float* mask = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  if (row <= 0) return;
  launch_each(p, p.count(in.bufs[1]) * row, [=] __device__(int64_t i) {
    y[i] = mask[i / row] != 0.0f ? x[i] : 0.0f;
  }, "mask_rows_fwd");
}

// bufs [mask, dy, dx]; ints [row, accumulate]
void mask_rows_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t row = in.ints[0];
  const bool acc = in.ints[1] != 0;
  const float* mask = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  if (row <= 0) return;
  launch_each(p, p.count(in.bufs[0]) * row, [=] __device__(int64_t i) {
    const float g = mask[i / row] != 0.0f ? dy[i] : 0.0f;
    dx[i] = acc ? dx[i] + g : g;
  }, "mask_rows_bwd");
}

STRATA_CUDA_KERNEL("mask_not_equal", mask_not_equal);
STRATA_CUDA_KERNEL("mask_combine", mask_combine);
STRATA_CUDA_KERNEL("mask_rows_fwd", mask_rows_fwd);
STRATA_CUDA_KERNEL("mask_rows_bwd", mask_rows_bwd);

}  // namespace
}  // namespace strata::cuda
