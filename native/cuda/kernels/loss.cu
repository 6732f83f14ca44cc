// Losses on the device, the rules of src/kernels/loss.h (shared with the CPU): each row's
// loss and its gradient in one pass, loss_weight * d(batch loss)/d(pred) written (or added)
// into the gradient and the batch loss written into a plan scalar.
//
// Each row gets a group of lanes (rows.cuh). The batch loss is a sum in double over rows in
// a fixed order (a block reduction, then one more block over the blocks' partials when the
// batch needs several), so it does not depend on scheduling. With a mask, the number of rows
// it keeps (which scales every row's gradient) is counted first by one block.
#include <algorithm>

#include "../kernel.cuh"
#include "../rows.cuh"
#include "kernels/loss.h"

namespace strata::cuda {
namespace {

// The instruction's attributes and buffers, and where the kernel counts and writes.
struct DeviceLoss {
  kernels::LossArgs a;
  int width = 1;
  const double* kept = nullptr;  // rows the mask keeps (device), or null: every row counts
  double* out = nullptr;         // the loss scalar
  double* partial = nullptr;     // per-block sums when there are several blocks
  Fault* fault = nullptr;
  int instr = 0;
};

// ---- the batch ---------------------------------------------------------------------------------

// *out = the number of rows the mask keeps (one block).
__global__ void count_kept(const float* mask, int64_t rows, double* out) {
  double kept = 0.0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) kept += mask[r] != 0.0f;
  kept = block_sum(kept);
  if (threadIdx.x == 0) *out = kept;
}

__global__ void loss_kernel(DeviceLoss d) {
  const kernels::LossArgs& a = d.a;
  const Group grp = group_of(d.width);
  const double counted = d.kept ? *d.kept : static_cast<double>(a.rows);
  const int64_t n = a.n;
  double sum = 0.0;
  for (int64_t r = first_row(d.width); r < a.rows; r += row_stride(d.width)) {
    float* gr = a.grad ? a.grad + r * n : nullptr;
    if (a.mask && a.mask[r] == 0.0f) {
      if (gr && !a.accumulate)
        for (int64_t j = grp.lane; j < n; j += grp.width) gr[j] = 0.0f;
      continue;
    }
    const int32_t label = a.labels ? a.labels[r] : 0;
    if (a.labels && (label < 0 || label >= n)) {
      if (grp.lane == 0) raise_fault(d.fault, kClassIndex, d.instr, label, n);
      continue;
    }
    const float w = a.sample_weights ? a.sample_weights[r / a.rows_per_sample] : 1.0f;
    const float scale = counted > 0 ? a.weight * w / static_cast<float>(counted) : 0.0f;
    const float loss = kernels::row_loss(a, grp, a.pred + r * n, a.target ? a.target + r * n : nullptr, label, gr, scale);
    if (grp.lane == 0) sum += static_cast<double>(w) * loss;
  }
  sum = block_sum(sum);
  if (threadIdx.x != 0) return;
  if (gridDim.x == 1) {
    *d.out = kernels::batch_loss(sum, counted);
  } else {
    d.partial[blockIdx.x] = sum;
  }
}

// Sums the blocks' partials (one block) into the batch loss.
__global__ void loss_finish(const double* partial, int64_t blocks, const double* kept, int64_t rows, double* out) {
  double s = 0.0;
  for (int64_t b = threadIdx.x; b < blocks; b += blockDim.x) s += partial[b];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = kernels::batch_loss(s, kept ? *kept : static_cast<double>(rows));
}

// bufs, ints and floats: see kernels::read_loss.
void loss_fwd_bwd(plan::Plan& p, const plan::Instr& in) {
  DeviceLoss d;
  d.a = kernels::read_loss(p, in);
  d.width = lanes_for(d.a.n);
  d.out = scalars(p) + in.ints.at(3);
  d.fault = fault(p);
  d.instr = instr_index(p);
  if (d.a.mask) {
    double* kept = static_cast<double*>(scratch(p, 1, sizeof(double)));
    count_kept<<<1, kThreads, 0, stream(p)>>>(d.a.mask, d.a.rows, kept);
    check_launch("loss");
    d.kept = kept;
  }
  const unsigned blocks = row_blocks(d.a.rows, d.width);
  d.partial = static_cast<double*>(scratch(p, 0, blocks * sizeof(double)));
  loss_kernel<<<blocks, kRowThreads, 0, stream(p)>>>(d);
  check_launch("loss");
  if (blocks > 1) {
    loss_finish<<<1, kThreads, 0, stream(p)>>>(d.partial, blocks, d.kept, d.a.rows, d.out);
    check_launch("loss");
  }
}

STRATA_CUDA_KERNEL("loss", loss_fwd_bwd);

}  // namespace
}  // namespace strata::cuda
