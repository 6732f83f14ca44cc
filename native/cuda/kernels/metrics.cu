// Metrics over a batch on the device, the rules of src/kernels/metrics.cc. Each overwrites
// its plan scalars with the batch's sums (the trainer adds them up over an epoch).
//
// Row metrics give each row a group of lanes (rows.cuh) that runs the row code of
// src/kernels/metrics.h, shared with the CPU; a block's rows are summed with a block
// reduction and, when the batch needs more than one block, the blocks' partials are summed
// by one more block. Every sum runs in a fixed order, so the result does not depend on
// scheduling.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"
#include "../rows.cuh"
#include "kernels/metrics.h"

namespace strata::cuda {
namespace {

// out[k] = Σ partial[k * blocks + b] over b, for k < count (one block).
__global__ void finish_sums(const double* partial, int64_t blocks, int count, double* out) {
  for (int k = 0; k < count; ++k) {
    double s = 0.0;
    for (int64_t b = threadIdx.x; b < blocks; b += blockDim.x) s += partial[k * blocks + b];
    s = block_sum(s);
    if (threadIdx.x == 0) out[k] = s;
  }
}

// A block's `count` sums go to the scalars directly when it is the only block, else to the
// partials that finish_sums adds up.
__device__ inline void store_block_sum(int k, double v, double* out, double* partial) {
  if (threadIdx.x != 0) return;
  if (gridDim.x == 1) {
    out[k] = v;
  } else {
    partial[k * gridDim.x + blockIdx.x] = v;
  }
}

// Launches finish_sums when `blocks` > 1 (scratch slot 0 holds the partials).
void finish(plan::Plan& p, const double* partial, unsigned blocks, int count, double* out) {
  if (blocks <= 1) return;
  finish_sums<<<1, kThreads, 0, stream(p)>>>(partial, blocks, count, out);
  check_launch("metric sums");
}

// ---- metric ------------------------------------------------------------------------------------

// The instruction's attributes and buffers, and where the kernel writes.
struct DeviceMetric {
  kernels::MetricArgs a;
  int width = 1;
  double* out = nullptr;
  double* partial = nullptr;
  Fault* fault = nullptr;
  int instr = 0;
};

__global__ void metric_kernel(DeviceMetric d) {
  const Group g = group_of(d.width);
  double sum = 0.0;
  for (int64_t r = first_row(d.width); r < d.a.rows; r += row_stride(d.width)) {
    if (kernels::bad_label(d.a, r)) {
      if (g.lane == 0) raise_fault(d.fault, kClassIndex, d.instr, d.a.labels[r], d.a.n);
      continue;
    }
    const double v = kernels::row_metric(d.a, g, r);
    if (g.lane == 0) sum += v;
  }
  store_block_sum(0, block_sum(sum), d.out, d.partial);
}

// bufs [pred, target]; ints [kind, cols, scalar slot, k]; floats [threshold]
void metric(plan::Plan& p, const plan::Instr& in) {
  DeviceMetric d;
  d.a = kernels::read_metric(p, in);
  d.width = lanes_for(d.a.n);
  const unsigned blocks = row_blocks(d.a.rows, d.width);
  d.out = scalars(p) + in.ints.at(2);
  d.partial = static_cast<double*>(scratch(p, 0, blocks * sizeof(double)));
  d.fault = fault(p);
  d.instr = instr_index(p);
  metric_kernel<<<blocks, kRowThreads, 0, stream(p)>>>(d);
  check_launch("metric");
  finish(p, d.partial, blocks, 1, d.out);
}

// ---- confusion ---------------------------------------------------------------------------------

// Blocks for an element-wise count over n values: eight values a thread before another block.
inline unsigned count_blocks(int64_t n, unsigned cap) {
  return std::min<unsigned>(blocks_for(n, kThreads * 8), cap);
}

__global__ void confusion_kernel(const float* pred, const float* target, int64_t count, float threshold, double* out,
                                 double* partial) {
  double tp = 0, fp = 0, fn = 0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const bool yes = pred[i] > threshold, truth = target[i] > 0.5f;
    tp += yes && truth;
    fp += yes && !truth;
    fn += !yes && truth;
  }
  store_block_sum(0, block_sum(tp), out, partial);
  store_block_sum(1, block_sum(fp), out, partial);
  store_block_sum(2, block_sum(fn), out, partial);
}

// Confusion counts at a threshold: scalars [tp, fp, fn].
// bufs [pred, target]; ints [cols, first scalar slot]; floats [threshold]
void confusion(plan::Plan& p, const plan::Instr& in) {
  const int64_t count = p.count(in.bufs.at(0));
  const unsigned blocks = count_blocks(count, kMaxRowBlocks);
  double* out = scalars(p) + in.ints.at(1);
  double* partial = static_cast<double*>(scratch(p, 0, 3 * blocks * sizeof(double)));
  confusion_kernel<<<blocks, kThreads, 0, stream(p)>>>(p.f32(in.bufs[0]), p.f32(in.bufs.at(1)), count, in.floats.at(0), out,
                                                       partial);
  check_launch("confusion");
  finish(p, partial, blocks, 3, out);
}

// ---- auc_counts --------------------------------------------------------------------------------

constexpr size_t kSharedBytes = 48 * 1024;
constexpr size_t kMaxHistBytes = size_t{16} << 20;  // all blocks' histograms together

// Each block counts its share into a histogram [pos 0..T, neg 0..T]: in shared memory when
// it fits (dynamic size), else in its own slice of `hist`. Integer atomics, so the counts
// are exact whatever the order. A lone block writes the scalars; several leave their
// histograms in `hist` for auc_finish.
__global__ void auc_counts_kernel(const float* pred, const float* target, int64_t count, int64_t t, bool in_shared, unsigned* hist,
                                  double* out) {
  extern __shared__ unsigned shared_hist[];
  const int64_t bins = t + 1;
  unsigned* h = in_shared ? shared_hist : hist + blockIdx.x * 2 * bins;
  for (int64_t k = threadIdx.x; k < 2 * bins; k += blockDim.x) h[k] = 0;
  __syncthreads();
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t beaten = kernels::thresholds_beaten(pred[i], t);
    atomicAdd(h + (target[i] > 0.5f ? 0 : bins) + beaten, 1u);
  }
  __syncthreads();
  if (gridDim.x == 1) {
    if (threadIdx.x == 0) kernels::auc_store(h, h + bins, t, out);
  } else if (in_shared) {
    for (int64_t k = threadIdx.x; k < 2 * bins; k += blockDim.x) hist[blockIdx.x * 2 * bins + k] = h[k];
  }
}

// Sums the blocks' histograms into `total` (doubles), then writes the scalars.
__global__ void auc_finish(const unsigned* hist, int64_t blocks, int64_t t, double* total, double* out) {
  const int64_t bins = t + 1;
  for (int64_t k = threadIdx.x; k < 2 * bins; k += blockDim.x) {
    double s = 0;
    for (int64_t b = 0; b < blocks; ++b) s += hist[b * 2 * bins + k];
    total[k] = s;
  }
  __syncthreads();
  if (threadIdx.x == 0) kernels::auc_store(total, total + bins, t, out);
}

// Counts for Keras' AUC (see metrics.cc).
// bufs [pred, target]; ints [thresholds T, first scalar slot] -> scalars [tp x T, fp x T, P, N]
void auc_counts(plan::Plan& p, const plan::Instr& in) {
  const int64_t t = in.ints.at(0);
  if (t < 1) throw std::runtime_error("auc_counts: " + std::to_string(t) + " thresholds");
  const int64_t count = p.count(in.bufs.at(0));
  const int64_t bins = t + 1;
  const size_t hist_bytes = static_cast<size_t>(2 * bins) * sizeof(unsigned);
  const unsigned blocks = count_blocks(count, static_cast<unsigned>(std::clamp<size_t>(kMaxHistBytes / hist_bytes, 1, 256)));
  const bool in_shared = hist_bytes <= kSharedBytes;
  unsigned* hist = static_cast<unsigned*>(scratch(p, 0, hist_bytes * blocks));
  double* out = scalars(p) + in.ints.at(1);
  auc_counts_kernel<<<blocks, kThreads, in_shared ? hist_bytes : 0, stream(p)>>>(p.f32(in.bufs[0]), p.f32(in.bufs.at(1)), count, t,
                                                                               in_shared, hist, out);
  check_launch("auc_counts");
  if (blocks > 1) {
    double* total = static_cast<double*>(scratch(p, 1, static_cast<size_t>(2 * bins) * sizeof(double)));
    auc_finish<<<1, kThreads, 0, stream(p)>>>(hist, blocks, t, total, out);
    check_launch("auc_counts");
  }
}

STRATA_CUDA_KERNEL("metric", metric);
STRATA_CUDA_KERNEL("confusion", confusion);
STRATA_CUDA_KERNEL("auc_counts", auc_counts);

}  // namespace
}  // namespace strata::cuda
