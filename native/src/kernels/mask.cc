// Masks (Keras' `_keras_mask`): one float per (sample, step), 1 where the step counts and 0
// where it is padding. They are made from values (Embedding's `inputs != 0`, Masking's
// `any(inputs != value, axis=-1)`), combined (merges: all or any of their inputs' masks), and
// applied to values (Masking zeroes the steps it masks). Kernels that honour a mask (the
// recurrent layers, masked global average pooling, losses) take its buffer as an argument.
//
// Rows are counted from the buffers (p.count), never from p.batch, so the kernels also run
// inside TimeDistributed, where the time axis is folded into the rows.
#include <cstdint>
#include <vector>

#include "../plan/plan.h"
#include "mask.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// bufs [x, mask]; ints [row]; floats [value]
// mask[r] = 1 if any of the `row` values x[r, :] differs from `value`, else 0. x is float32 or
// int32 (token ids).
void mask_not_equal(plan::Plan& p, const plan::Instr& in) {
  const NotEqualArgs a = read_not_equal(p, in);
  for_rows(a.rows, a.row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) a.mask[r] = row_differs(a, r) ? 1.0f : 0.0f;
  });
}

// bufs [mask_0, ..., mask_k-1, y]; ints [all or any]
// y keeps a step when all (or any) of the masks keep it; with no masks, `all` keeps every step.
void mask_combine(plan::Plan& p, const plan::Instr& in) {
  const bool any = in.ints[0] == kAny;
  const size_t k = in.bufs.size() - 1;
  float* y = p.f32(in.bufs[k]);
  const int64_t n = p.count(in.bufs[k]);
  std::vector<const float*> masks(k);
  for (size_t m = 0; m < k; ++m) masks[m] = p.f32(in.bufs[m]);
  for_range(n, kElementGrain, p.threads, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      bool keep = !any;
      for (const float* m : masks) keep = combine_step(any, keep, m[i]);
      y[i] = keep ? 1.0f : 0.0f;
    }
  });
}

// bufs [x, mask, y]; ints [row]
// y[r, :] = x[r, :] where the mask keeps row r, else zeros.
void mask_rows_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t row = in.ints[0];
  const float* x = p.f32(in.bufs[0]);
  const float* mask = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  for_rows(p.count(in.bufs[1]), row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const bool keep = mask[r] != 0.0f;
      for (int64_t j = 0; j < row; ++j) y[r * row + j] = keep ? x[r * row + j] : 0.0f;
    }
  });
}

// bufs [mask, dy, dx]; ints [row, accumulate]
void mask_rows_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t row = in.ints[0];
  const bool acc = in.ints[1] != 0;
  const float* mask = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  for_rows(p.count(in.bufs[0]), row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const bool keep = mask[r] != 0.0f;
      for (int64_t j = 0; j < row; ++j) {
        const float g = keep ? dy[r * row + j] : 0.0f;
        dx[r * row + j] = acc ? dx[r * row + j] + g : g;
      }
    }
  });
}

STRATA_KERNEL("mask_not_equal", mask_not_equal);
STRATA_KERNEL("mask_combine", mask_combine);
STRATA_KERNEL("mask_rows_fwd", mask_rows_fwd);
STRATA_KERNEL("mask_rows_bwd", mask_rows_bwd);

}  // namespace
}  // namespace strata::kernels
