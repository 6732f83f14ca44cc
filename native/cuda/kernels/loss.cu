// Losses on the device, the rules of src/kernels/loss.cc: each row's loss and its gradient
// in one pass, loss_weight * d(batch loss)/d(pred) written (or added) into the gradient and
// the batch loss written into a plan scalar.
//
// Each row gets a group of lanes (the next power of two above the row's length, at most a
// warp) that walks the row, reducing with shuffles inside the group. The batch loss is a
// sum in double over rows in a fixed order (a block reduction, then one more block over
// the blocks' partials when the batch needs several), so it does not depend on scheduling.
// With a mask, the number of rows it keeps (which scales every row's gradient) is counted
// first by one block.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

enum Loss : int64_t {
  kMse = 0,
  kMae = 1,
  kHuber = 2,
  kBinaryCrossentropy = 3,
  kCategoricalCrossentropy = 4,
  kSparseCategoricalCrossentropy = 5,
  kKlDivergence = 6,
  kCosineSimilarity = 7,
};

constexpr float kEps = 1e-7f;  // Keras' backend epsilon, used to clip probabilities

constexpr int kRowThreads = 512;
constexpr int kRowsPerGroup = 4;  // rows a lane group takes before the batch gets another block
constexpr unsigned kMaxBlocks = 1024;

// ---- lane groups -------------------------------------------------------------------------------

// The `width` lanes (a power of two <= 32) that share a row; shuffles stay inside the group,
// so groups of one warp may take different paths (a masked row, a bad label).
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

__device__ inline float group_sum(const Group& g, float v) {
  for (int o = g.width / 2; o > 0; o >>= 1) v += __shfl_xor_sync(g.mask, v, o);
  return v;
}

__device__ inline float group_max(const Group& g, float v) {
  for (int o = g.width / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(g.mask, v, o));
  return v;
}

inline int lanes_for(int64_t n) {
  int w = 1;
  while (w < 32 && w < n) w *= 2;
  return w;
}

// ---- one row -----------------------------------------------------------------------------------

// std::clamp's rule (a NaN passes through).
__device__ inline float clampf(float v, float lo, float hi) { return v < lo ? lo : hi < v ? hi : v; }

__device__ inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

struct LossArgs {
  int64_t kind = 0, n = 0, rows = 0, rows_per_sample = 1;
  int width = 1;
  bool logits = false, accumulate = false;
  float weight = 1.0f, param = 0.0f;
  const float* pred = nullptr;
  const float* target = nullptr;   // null for the sparse loss
  const int32_t* labels = nullptr;  // the sparse loss's class ids
  const float* sample_weights = nullptr;
  float* grad = nullptr;
  const float* mask = nullptr;
  const double* kept = nullptr;  // rows the mask keeps (device), or null: every row counts
  double* out = nullptr;          // the loss scalar
  double* partial = nullptr;      // per-block sums when there are several blocks
  Fault* fault = nullptr;
  int instr = 0;
};

// Writes or adds one gradient value.
__device__ inline void put(float* g, int64_t j, float v, bool accumulate) {
  if (accumulate) {
    g[j] += v;
  } else {
    g[j] = v;
  }
}

// Loss of one row (every lane of the group gets it) and, when g is given, d(row loss)/d(pred)
// scaled by `scale` written or added into g. Same formulas as loss.cc's row_loss.
__device__ float row_loss(const LossArgs& a, const Group& grp, const float* p, const float* t, int32_t label, float* g, float scale) {
  const int64_t n = a.n;
  const float nf = static_cast<float>(n);
  const bool acc = a.accumulate;
  float loss = 0.0f;
  switch (a.kind) {
    case kMse:
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        const float e = p[j] - t[j];
        loss += e * e;
        if (g) put(g, j, scale * 2.0f * e / nf, acc);
      }
      return group_sum(grp, loss) / nf;
    case kMae:
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        const float e = p[j] - t[j];
        loss += fabsf(e);
        if (g) put(g, j, scale * (e > 0.0f ? 1.0f : e < 0.0f ? -1.0f : 0.0f) / nf, acc);
      }
      return group_sum(grp, loss) / nf;
    case kHuber: {
      const float d = a.param;
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        const float e = p[j] - t[j], ae = fabsf(e);
        loss += ae <= d ? 0.5f * e * e : d * (ae - 0.5f * d);
        if (g) put(g, j, scale * (ae <= d ? e : (e > 0.0f ? d : -d)) / nf, acc);
      }
      return group_sum(grp, loss) / nf;
    }
    case kBinaryCrossentropy: {
      const float smooth = a.param;
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        const float y = t[j] * (1.0f - smooth) + 0.5f * smooth;
        if (a.logits) {
          const float z = p[j];
          loss += fmaxf(z, 0.0f) - z * y + log1pf(expf(-fabsf(z)));
          if (g) put(g, j, scale * (sigmoidf(z) - y) / nf, acc);
        } else {
          const float q = clampf(p[j], kEps, 1.0f - kEps);
          loss += -(y * logf(q) + (1.0f - y) * logf(1.0f - q));
          if (g) put(g, j, (p[j] > kEps && p[j] < 1.0f - kEps) ? scale * (q - y) / (q * (1.0f - q)) / nf : 0.0f, acc);
        }
      }
      return group_sum(grp, loss) / nf;
    }
    case kCategoricalCrossentropy: {
      const float smooth = a.param;
      float tsum = 0.0f;
      for (int64_t j = grp.lane; j < n; j += grp.width) tsum += t[j] * (1.0f - smooth) + smooth / nf;
      tsum = group_sum(grp, tsum);
      if (a.logits) {
        float m = -INFINITY;
        for (int64_t j = grp.lane; j < n; j += grp.width) m = fmaxf(m, p[j]);
        m = group_max(grp, m);
        float s = 0.0f;
        for (int64_t j = grp.lane; j < n; j += grp.width) s += expf(p[j] - m);
        const float lse = m + logf(group_sum(grp, s));
        for (int64_t j = grp.lane; j < n; j += grp.width) {
          const float y = t[j] * (1.0f - smooth) + smooth / nf;
          loss += y * (p[j] - lse);
          if (g) put(g, j, scale * (expf(p[j] - lse) * tsum - y), acc);
        }
      } else {
        // Keras rescales the probabilities to sum to one before clipping.
        float s = 0.0f;
        for (int64_t j = grp.lane; j < n; j += grp.width) s += p[j];
        s = group_sum(grp, s);
        for (int64_t j = grp.lane; j < n; j += grp.width) {
          const float y = t[j] * (1.0f - smooth) + smooth / nf;
          const float q = clampf(p[j] / s, kEps, 1.0f - kEps);
          loss += y * logf(q);
          if (g) put(g, j, scale * (tsum / s - (q > kEps && q < 1.0f - kEps ? y / (q * s) : 0.0f)), acc);
        }
      }
      return -group_sum(grp, loss);
    }
    case kSparseCategoricalCrossentropy: {
      if (a.logits) {
        float m = -INFINITY;
        for (int64_t j = grp.lane; j < n; j += grp.width) m = fmaxf(m, p[j]);
        m = group_max(grp, m);
        float s = 0.0f;
        for (int64_t j = grp.lane; j < n; j += grp.width) s += expf(p[j] - m);
        const float lse = m + logf(group_sum(grp, s));
        if (g) {
          for (int64_t j = grp.lane; j < n; j += grp.width) {
            const float v = scale * expf(p[j] - lse);
            put(g, j, j == label ? v - scale : v, acc);
          }
        }
        return lse - p[label];
      }
      const float q = clampf(p[label], kEps, 1.0f - kEps);
      if (g) {
        const bool inside = p[label] > kEps && p[label] < 1.0f - kEps;
        for (int64_t j = grp.lane; j < n; j += grp.width) put(g, j, j == label && inside ? -scale / q : 0.0f, acc);
      }
      return -logf(q);
    }
    case kKlDivergence:
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        const float y = clampf(t[j], kEps, 1.0f), q = clampf(p[j], kEps, 1.0f);
        loss += y * logf(y / q);
        if (g) put(g, j, (p[j] > kEps && p[j] < 1.0f) ? -scale * y / q : 0.0f, acc);
      }
      return group_sum(grp, loss);
    case kCosineSimilarity: {
      // loss = -cos(t, p); Keras l2-normalises both with an epsilon of 1e-12 on the squared norm.
      float tt = 0.0f, pp = 0.0f, tp = 0.0f;
      for (int64_t j = grp.lane; j < n; j += grp.width) {
        tt += t[j] * t[j];
        pp += p[j] * p[j];
        tp += t[j] * p[j];
      }
      tt = group_sum(grp, tt);
      pp = group_sum(grp, pp);
      tp = group_sum(grp, tp);
      const float tn = 1.0f / sqrtf(fmaxf(tt, 1e-12f)), pn = 1.0f / sqrtf(fmaxf(pp, 1e-12f));
      const float c = tp * tn * pn;
      if (g) {
        for (int64_t j = grp.lane; j < n; j += grp.width) put(g, j, -scale * (t[j] * tn * pn - c * p[j] * pn * pn), acc);
      }
      return -c;
    }
    default:
      return 0.0f;
  }
}

// ---- the batch ---------------------------------------------------------------------------------

// *out = the number of rows the mask keeps (one block).
__global__ void count_kept(const float* mask, int64_t rows, double* out) {
  double kept = 0.0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) kept += mask[r] != 0.0f;
  kept = block_sum(kept);
  if (threadIdx.x == 0) *out = kept;
}

// The batch loss from the sum of weighted row losses: their mean over the counted rows.
__device__ inline double batch_loss(double sum, double counted) { return counted > 0 ? sum / counted : 0.0; }

__global__ void loss_kernel(LossArgs a) {
  const Group grp = group_of(a.width);
  const double counted = a.kept ? *a.kept : static_cast<double>(a.rows);
  const bool sparse = a.labels != nullptr;
  const int64_t n = a.n;
  const int64_t groups = static_cast<int64_t>(gridDim.x) * (blockDim.x / a.width);
  double sum = 0.0;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / a.width; r < a.rows; r += groups) {
    float* gr = a.grad ? a.grad + r * n : nullptr;
    if (a.mask && a.mask[r] == 0.0f) {
      if (gr && !a.accumulate)
        for (int64_t j = grp.lane; j < n; j += grp.width) gr[j] = 0.0f;
      continue;
    }
    const int32_t label = sparse ? a.labels[r] : 0;
    if (sparse && (label < 0 || label >= n)) {
      if (grp.lane == 0) raise_fault(a.fault, kClassIndex, a.instr, label, n);
      continue;
    }
    const float w = a.sample_weights ? a.sample_weights[r / a.rows_per_sample] : 1.0f;
    const float scale = counted > 0 ? a.weight * w / static_cast<float>(counted) : 0.0f;
    const float loss = row_loss(a, grp, a.pred + r * n, sparse ? nullptr : a.target + r * n, label, gr, scale);
    if (grp.lane == 0) sum += static_cast<double>(w) * loss;
  }
  sum = block_sum(sum);
  if (threadIdx.x != 0) return;
  if (gridDim.x == 1) {
    *a.out = batch_loss(sum, counted);
  } else {
    a.partial[blockIdx.x] = sum;
  }
}

// Sums the blocks' partials (one block) into the batch loss.
__global__ void loss_finish(const double* partial, int64_t blocks, const double* kept, int64_t rows, double* out) {
  double s = 0.0;
  for (int64_t b = threadIdx.x; b < blocks; b += blockDim.x) s += partial[b];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = batch_loss(s, kept ? *kept : static_cast<double>(rows));
}

// bufs [pred, target, sample weights or -1, dpred or -1, mask or -1]
// ints [kind, cols, from logits, scalar slot, accumulate dpred]; floats [loss weight, param]
// target is int32 class indices (one per row) for the sparse loss, else like pred.
void loss_fwd_bwd(plan::Plan& p, const plan::Instr& in) {
  LossArgs a;
  a.kind = in.ints.at(0);
  a.n = in.ints.at(1);
  if (a.n <= 0) throw std::runtime_error("loss: rows of " + std::to_string(a.n) + " values");
  a.logits = in.ints.at(2) != 0;
  a.accumulate = in.ints.at(4) != 0;
  a.weight = in.floats.at(0);
  a.param = in.floats.at(1);
  a.pred = p.f32(in.bufs.at(0));
  if (a.kind == kSparseCategoricalCrossentropy) {
    a.labels = p.i32(in.bufs.at(1));
  } else {
    a.target = p.f32(in.bufs.at(1));
  }
  a.sample_weights = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.grad = in.bufs.at(3) >= 0 ? p.f32(in.bufs[3]) : nullptr;
  a.mask = in.bufs.size() > 4 && in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  a.rows = p.count(in.bufs[0]) / a.n;
  if (a.mask && p.count(in.bufs[4]) != a.rows) {
    throw std::runtime_error("loss: the prediction's mask holds " + std::to_string(p.count(in.bufs[4])) +
                             " values but the prediction has " + std::to_string(a.rows) + " rows");
  }
  // Sample weights are per sample; rows per sample > 1 for sequence outputs.
  a.rows_per_sample = p.batch > 0 ? std::max<int64_t>(a.rows / p.batch, 1) : 1;
  a.width = lanes_for(a.n);
  a.out = scalars(p) + in.ints.at(3);
  a.fault = fault(p);
  a.instr = instr_index(p);

  if (a.mask) {
    double* kept = static_cast<double*>(scratch(p, 1, sizeof(double)));
    count_kept<<<1, kThreads, 0, stream(p)>>>(a.mask, a.rows, kept);
    check_launch("loss");
    a.kept = kept;
  }
  const int64_t per_block = static_cast<int64_t>(kRowThreads / a.width) * kRowsPerGroup;
  const unsigned blocks = std::min<unsigned>(static_cast<unsigned>(std::max<int64_t>(1, (a.rows + per_block - 1) / per_block)), kMaxBlocks);
  a.partial = static_cast<double*>(scratch(p, 0, blocks * sizeof(double)));
  loss_kernel<<<blocks, kRowThreads, 0, stream(p)>>>(a);
  check_launch("loss");
  if (blocks > 1) {
    loss_finish<<<1, kThreads, 0, stream(p)>>>(a.partial, blocks, a.kept, a.rows, a.out);
    check_launch("loss");
  }
}

STRATA_CUDA_KERNEL("loss", loss_fwd_bwd);

}  // namespace
}  // namespace strata::cuda
