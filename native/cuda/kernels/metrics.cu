// Metrics over a batch on the device, the rules of src/kernels/metrics.cc. Each overwrites
// its plan scalars with the batch's sums (the trainer adds them up over an epoch).
//
// Row metrics give each row a group of lanes (the next power of two above the row's length,
// at most a warp); a block's rows are summed with a block reduction and, when the batch
// needs more than one block, the blocks' partials are summed by one more block. Every sum
// runs in a fixed order, so the result does not depend on scheduling.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

enum Metric : int64_t {
  kSparseAccuracy = 0,
  kCategoricalAccuracy = 1,
  kBinaryAccuracy = 2,
  kSparseTopK = 3,
  kCategoricalTopK = 4,
  kMae = 5,
  kMse = 6,
};

constexpr int kRowThreads = 512;
constexpr int kRowsPerGroup = 4;  // rows a lane group takes before the batch gets another block
constexpr unsigned kMaxBlocks = 1024;

// ---- lane groups -------------------------------------------------------------------------------

// The `width` lanes (a power of two <= 32) that share a row; shuffles stay inside the group,
// so groups of one warp may take different paths.
struct Group {
  unsigned mask;
  int width;
  int lane;  // within the group
};

__device__ inline Group group_of(int width) {
  const int warp_lane = threadIdx.x & 31;
  const unsigned bits = width == 32 ? 0xffffffffu : ((1u << width) - 1u) << (warp_lane & ~(width - 1));
  return Group{bits, width, warp_lane & (width - 1)};
}

template <typename T>
__device__ inline T group_sum(const Group& g, T v) {
  for (int o = g.width / 2; o > 0; o >>= 1) v += __shfl_xor_sync(g.mask, v, o);
  return v;
}

// Index of the first largest value (std::max_element's choice) among the group's candidates.
__device__ inline int64_t group_argmax(const Group& g, const float* v, int64_t n) {
  float best = -INFINITY;
  int64_t at = INT64_MAX;
  for (int64_t j = g.lane; j < n; j += g.width) {
    if (at == INT64_MAX || v[j] > best) {
      best = v[j];
      at = j;
    }
  }
  for (int o = g.width / 2; o > 0; o >>= 1) {
    const float ob = __shfl_xor_sync(g.mask, best, o);
    const int64_t oa = __shfl_xor_sync(g.mask, at, o);
    if (ob > best || (ob == best && oa < at)) {
      best = ob;
      at = oa;
    }
  }
  return at;
}

// Lanes per row for rows of n values.
inline int lanes_for(int64_t n) {
  int w = 1;
  while (w < 32 && w < n) w *= 2;
  return w;
}

// Blocks for `rows` rows at `width` lanes a row.
inline unsigned row_blocks(int64_t rows, int width) {
  const int64_t per_block = static_cast<int64_t>(kRowThreads / width) * kRowsPerGroup;
  return std::min<unsigned>(static_cast<unsigned>(std::max<int64_t>(1, (rows + per_block - 1) / per_block)), kMaxBlocks);
}

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

struct MetricArgs {
  int64_t kind = 0, n = 0, k = 0, rows = 0;
  int width = 1;
  float threshold = 0.5f;
  const float* pred = nullptr;
  const float* target = nullptr;
  const int32_t* labels = nullptr;
  double* out = nullptr;
  double* partial = nullptr;
  Fault* fault = nullptr;
  int instr = 0;
};

// True when fewer than k values beat v[label] (ties count for the label, as in_top_k).
__device__ inline bool in_top_k(const Group& g, const float* v, int64_t n, int64_t label, int64_t k) {
  const float x = v[label];
  int64_t above = 0;
  for (int64_t j = g.lane; j < n; j += g.width) above += v[j] > x;
  return group_sum(g, above) < k;
}

// The row's value (every lane of the group gets it).
__device__ double row_metric(const MetricArgs& a, const Group& g, int64_t r) {
  const int64_t n = a.n;
  const float* pr = a.pred + r * n;
  const float* tr = a.target ? a.target + r * n : nullptr;
  switch (a.kind) {
    case kSparseAccuracy: return group_argmax(g, pr, n) == a.labels[r];
    case kCategoricalAccuracy: return group_argmax(g, pr, n) == group_argmax(g, tr, n);
    case kSparseTopK: {
      const int32_t label = a.labels[r];
      if (label < 0 || label >= n) {
        // metrics.cc would read outside the row; here the step fails with the label.
        if (g.lane == 0) raise_fault(a.fault, kClassIndex, a.instr, label, n);
        return 0.0;
      }
      return in_top_k(g, pr, n, label, a.k);
    }
    case kCategoricalTopK: return in_top_k(g, pr, n, group_argmax(g, tr, n), a.k);
    case kBinaryAccuracy: {
      int64_t hit = 0;
      for (int64_t j = g.lane; j < n; j += g.width) hit += (pr[j] > a.threshold) == (tr[j] > 0.5f);
      return static_cast<double>(group_sum(g, hit)) / n;
    }
    case kMae:
    case kMse: {
      double e = 0.0;
      for (int64_t j = g.lane; j < n; j += g.width) {
        const double d = pr[j] - tr[j];
        e += a.kind == kMae ? fabs(d) : d * d;
      }
      return group_sum(g, e) / n;
    }
    default: return 0.0;
  }
}

__global__ void metric_kernel(MetricArgs a) {
  const Group g = group_of(a.width);
  const int64_t groups = static_cast<int64_t>(gridDim.x) * (blockDim.x / a.width);
  double sum = 0.0;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / a.width; r < a.rows; r += groups) {
    const double v = row_metric(a, g, r);
    if (g.lane == 0) sum += v;
  }
  store_block_sum(0, block_sum(sum), a.out, a.partial);
}

// bufs [pred, target]; ints [kind, cols, scalar slot, k]; floats [threshold]
void metric(plan::Plan& p, const plan::Instr& in) {
  MetricArgs a;
  a.kind = in.ints.at(0);
  a.n = in.ints.at(1);
  a.k = in.ints.at(3);
  if (a.n <= 0) throw std::runtime_error("metric: rows of " + std::to_string(a.n) + " values");
  a.threshold = in.floats.empty() ? 0.5f : in.floats[0];
  a.pred = p.f32(in.bufs.at(0));
  a.rows = p.count(in.bufs[0]) / a.n;
  const bool sparse = a.kind == kSparseAccuracy || a.kind == kSparseTopK;
  if (sparse) {
    a.labels = p.i32(in.bufs.at(1));
  } else {
    a.target = p.f32(in.bufs.at(1));
  }
  a.width = lanes_for(a.n);
  const unsigned blocks = row_blocks(a.rows, a.width);
  a.out = scalars(p) + in.ints.at(2);
  a.partial = static_cast<double*>(scratch(p, 0, blocks * sizeof(double)));
  a.fault = fault(p);
  a.instr = instr_index(p);
  metric_kernel<<<blocks, kRowThreads, 0, stream(p)>>>(a);
  check_launch("metric");
  finish(p, a.partial, blocks, 1, a.out);
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
  const unsigned blocks = count_blocks(count, kMaxBlocks);
  double* out = scalars(p) + in.ints.at(1);
  double* partial = static_cast<double*>(scratch(p, 0, 3 * blocks * sizeof(double)));
  confusion_kernel<<<blocks, kThreads, 0, stream(p)>>>(p.f32(in.bufs[0]), p.f32(in.bufs.at(1)), count, in.floats.at(0), out,
                                                       partial);
  check_launch("confusion");
  finish(p, partial, blocks, 3, out);
}

// ---- auc_counts --------------------------------------------------------------------------------

constexpr float kAucEpsilon = 1e-7f;
constexpr size_t kSharedBytes = 48 * 1024;
constexpr size_t kMaxHistBytes = size_t{16} << 20;  // all blocks' histograms together

// Keras' AUC thresholds: t_0 = -eps, t_j = j / (T-1), t_{T-1} = 1 + eps.
__device__ inline float auc_threshold(int64_t j, int64_t t) {
  if (j == t - 1) return 1.0f + kAucEpsilon;
  if (j == 0) return -kAucEpsilon;
  return static_cast<float>(j) / static_cast<float>(t - 1);
}

// How many thresholds the score beats (std::upper_bound with <=: a NaN beats them all).
__device__ inline int64_t thresholds_beaten(float score, int64_t t) {
  int64_t lo = 0, hi = t;
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (score <= auc_threshold(mid, t)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// From the histograms (entries beating exactly k thresholds, k = 0..T) to the scalars, by
// one thread with metrics.cc's suffix sums: tp_j / fp_j count the entries with k > j; then
// P and N. The counts are integers, exact in double.
template <typename T>
__device__ void auc_store(const T* pos, const T* neg, int64_t t, double* out) {
  if (threadIdx.x != 0) return;
  double tp = 0, fp = 0;
  for (int64_t j = t - 1; j >= 0; --j) {
    tp += pos[j + 1];
    fp += neg[j + 1];
    out[j] = tp;
    out[t + j] = fp;
  }
  out[2 * t] = tp + pos[0];
  out[2 * t + 1] = fp + neg[0];
}

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
    const int64_t beaten = thresholds_beaten(pred[i], t);
    atomicAdd(h + (target[i] > 0.5f ? 0 : bins) + beaten, 1u);
  }
  __syncthreads();
  if (gridDim.x == 1) {
    auc_store(h, h + bins, t, out);
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
  auc_store(total, total + bins, t, out);
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
