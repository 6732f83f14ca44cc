// Normalization on the device, the rules of src/kernels/normalization.cc: BatchNormalization
// (statistics per channel over the batch and every other axis) and LayerNormalization
// (statistics per group of normalised positions), each forward next to its backward.
//
// Inputs are seen as [outer, C, inner] as on the CPU (sizes may be batch-relative).
//
// Per-channel sums (BatchNormalization's statistics and gradients, LayerNormalization's
// gamma/beta gradients) are block reductions in double, never atomics: a block owns a group
// of channels and a split of the other axes. With inner == 1 (channels last) a block is 32
// channels x 8 rows, so that each warp reads 32 consecutive values of a row; otherwise a
// block owns one channel and walks its [outer, inner] values. When one block per group is
// enough (small tensors, the launch-bound case), a single launch computes the sums and
// applies them; otherwise the blocks leave their partial sums in scratch and the next
// launch adds the partials of its channels in a fixed order (every block the same way), so
// results do not depend on scheduling.
#include <algorithm>
#include <cmath>

#include "../kernel.cuh"
#include "../../src/kernels/normalization.h"
#include "../../src/kernels/strided.h"

namespace strata::cuda {
namespace {

using kernels::resolve;

// ---- per-channel sums over [outer, C, inner] ---------------------------------------------------

constexpr int kTile = 32;                // channels a block owns when inner == 1
constexpr int64_t kBlockElems = 8192;    // values a block sums before its group is split
constexpr int64_t kTargetBlocks = 1024;  // enough blocks to fill a large GPU

struct Shape {
  int64_t outer = 0, C = 0, inner = 0;
  __host__ __device__ bool rows() const { return inner == 1; }
  __host__ __device__ int64_t count() const { return outer * inner; }  // values per channel
};

// Grid: x = channel groups, y = splits of each channel's values.
struct ChannelGrid {
  dim3 grid;
  int64_t splits = 1;
};

ChannelGrid channel_grid(const Shape& s) {
  const int64_t groups = s.rows() ? (s.C + kTile - 1) / kTile : s.C;
  const int64_t group_values = (s.rows() ? std::min<int64_t>(s.C, kTile) : 1) * s.count();
  int64_t splits = (group_values + kBlockElems - 1) / kBlockElems;
  splits = std::min(splits, std::max<int64_t>(1, kTargetBlocks / std::max<int64_t>(groups, 1)));
  splits = std::max<int64_t>(1, std::min(splits, s.rows() ? s.outer : s.count()));
  return ChannelGrid{dim3(static_cast<unsigned>(groups), static_cast<unsigned>(splits)), splits};
}

// The channel this thread sums (>= C for the spare lanes of the last tile).
__device__ inline int64_t channel_of(const Shape& s) {
  return s.rows() ? blockIdx.x * static_cast<int64_t>(kTile) + (threadIdx.x & (kTile - 1)) : blockIdx.x;
}

// The thread that stores its channel's results (one per channel of the block).
__device__ inline bool channel_writer(const Shape& s) {
  return s.rows() ? threadIdx.x < kTile && channel_of(s) < s.C : threadIdx.x == 0;
}

// f(e, c, g) for this thread's share of the block's values: e indexes x, c is the channel,
// g = o * inner + i the position outside the channel axis (LayerNormalization's group).
template <typename F>
__device__ void for_channel_values(const Shape& s, int64_t splits, F&& f) {
  const int64_t split = blockIdx.y;
  if (s.rows()) {
    const int64_t c = channel_of(s);
    if (c >= s.C) return;
    const int64_t r1 = (split + 1) * s.outer / splits;
    const int step = blockDim.x / kTile;
    for (int64_t r = split * s.outer / splits + threadIdx.x / kTile; r < r1; r += step) f(r * s.C + c, c, r);
    return;
  }
  // One channel; the [outer, inner] walk keeps (o, i) without a division per value.
  const int64_t c = blockIdx.x, inner = s.inner, count = s.count();
  const int64_t m1 = (split + 1) * count / splits;
  int64_t m = split * count / splits + threadIdx.x;
  if (m >= m1) return;
  int64_t o = m / inner, i = m - o * inner;
  const int64_t so = blockDim.x / inner, si = blockDim.x % inner;
  for (; m < m1; m += blockDim.x) {
    f((o * s.C + c) * inner + i, c, o * inner + i);
    o += so;
    i += si;
    if (i >= inner) {
      i -= inner;
      ++o;
    }
  }
}

// Replaces each thread's K partial sums by the block's totals for its channel (every thread).
// Every thread of the block must call it.
template <int K>
__device__ void reduce_channel(const Shape& s, double (&v)[K]) {
  if (s.rows()) {
    __shared__ double shared[K][kThreads];
    for (int k = 0; k < K; ++k) shared[k][threadIdx.x] = v[k];
    __syncthreads();
    const int lane = threadIdx.x & (kTile - 1);
    for (int k = 0; k < K; ++k) {
      double t = 0.0;
      for (int r = 0; r < kThreads / kTile; ++r) t += shared[k][r * kTile + lane];
      v[k] = t;
    }
    __syncthreads();
  } else {
    for (int k = 0; k < K; ++k) v[k] = block_sum(v[k]);
  }
}

// Σ over splits of partial[(k * splits + split) * C + c], in split order.
__device__ inline double sum_splits(const double* partial, int k, int64_t splits, int64_t C, int64_t c) {
  double t = 0.0;
  for (int64_t sp = 0; sp < splits; ++sp) t += partial[(k * splits + sp) * C + c];
  return t;
}

// Stages of a kernel that sums per channel then uses the sums: all in one launch (one
// split), or the partial sums of one split per block and, in the next launch, their use.
enum Stage : int { kAll = 0, kSums = 1, kSquares = 2, kApply = 3 };

// ---- BatchNormalization ------------------------------------------------------------------------

struct BnForward {
  Shape s;
  int64_t splits = 1;
  bool training = false;
  float eps = 0, momentum = 0;
  const float* x = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* moving_mean = nullptr;
  float* moving_var = nullptr;
  float* y = nullptr;
  float* mean = nullptr;
  float* inv_std = nullptr;
  double* sums = nullptr;     // [splits][C] partial Σ x
  double* squares = nullptr;  // [splits][C] partial Σ (x - mean)²
};

// Training: kSums, then kSquares (the mean from the sums), then kApply (the variance from
// the squares; the moving statistics move; y) — or kAll. Inference: kApply alone, from the
// moving statistics.
__global__ void batchnorm_fwd_kernel(BnForward a, int stage) {
  const Shape& s = a.s;
  const int64_t c = channel_of(s);
  const bool valid = c < s.C;
  const bool writer = channel_writer(s) && blockIdx.y == 0;
  const double count = static_cast<double>(s.count());
  const float* x = a.x;
  float mu = 0.0f, is = 0.0f;
  if (a.training) {
    double t[1] = {0.0};
    if (stage == kAll || stage == kSums) {
      for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t) { t[0] += x[e]; });
      reduce_channel(s, t);
      if (stage == kSums) {
        if (channel_writer(s)) a.sums[blockIdx.y * s.C + c] = t[0];
        return;
      }
    } else if (valid) {
      t[0] = sum_splits(a.sums, 0, a.splits, s.C, c);
    }
    mu = static_cast<float>(t[0] / count);
    double q[1] = {0.0};
    if (stage == kAll || stage == kSquares) {
      for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t) {
        const float d = x[e] - mu;
        q[0] += d * d;
      });
      reduce_channel(s, q);
      if (stage == kSquares) {
        if (channel_writer(s)) a.squares[blockIdx.y * s.C + c] = q[0];
        return;
      }
    } else if (valid) {
      q[0] = sum_splits(a.squares, 0, a.splits, s.C, c);
    }
    const float var = static_cast<float>(q[0] / count);
    is = 1.0f / sqrtf(var + a.eps);
    if (writer) {
      a.moving_mean[c] = a.moving_mean[c] * a.momentum + mu * (1.0f - a.momentum);
      a.moving_var[c] = a.moving_var[c] * a.momentum + var * (1.0f - a.momentum);
    }
  } else if (valid) {
    mu = a.moving_mean[c];
    is = 1.0f / sqrtf(a.moving_var[c] + a.eps);
  }
  if (writer) {
    a.mean[c] = mu;
    a.inv_std[c] = is;
  }
  if (!valid) return;
  const float scale = is * (a.gamma ? a.gamma[c] : 1.0f);
  const float shift = (a.beta ? a.beta[c] : 0.0f) - mu * scale;
  float* y = a.y;
  for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t) { y[e] = x[e] * scale + shift; });
}

// bufs [x, gamma or -1, beta or -1, moving_mean, moving_variance, y, mean, inv_std]
// ints [outer, C, inner, training]; floats [epsilon, momentum]
//
// Training: the batch's mean and biased variance normalise x and the moving statistics
// move toward them (moving = moving * momentum + stat * (1 - momentum)); inference (or an
// empty batch): the moving statistics normalise x. mean and inv_std keep what was used.
void batchnorm_fwd(plan::Plan& p, const plan::Instr& in) {
  BnForward a;
  a.s = Shape{resolve(in.ints.at(0), p.batch), in.ints.at(1), resolve(in.ints.at(2), p.batch)};
  if (a.s.C <= 0) return;
  a.training = in.ints.at(3) != 0 && a.s.count() > 0;
  a.eps = in.floats.at(0);
  a.momentum = in.floats.at(1);
  a.x = p.f32(in.bufs.at(0));
  a.gamma = in.bufs.at(1) >= 0 ? p.f32(in.bufs[1]) : nullptr;
  a.beta = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.moving_mean = p.f32(in.bufs.at(3));
  a.moving_var = p.f32(in.bufs.at(4));
  a.y = p.f32(in.bufs.at(5));
  a.mean = p.f32(in.bufs.at(6));
  a.inv_std = p.f32(in.bufs.at(7));
  const ChannelGrid g = channel_grid(a.s);
  a.splits = g.splits;
  if (!a.training || g.splits == 1) {
    batchnorm_fwd_kernel<<<g.grid, kThreads, 0, stream(p)>>>(a, a.training ? kAll : kApply);
    check_launch("batchnorm_fwd");
    return;
  }
  const size_t bytes = static_cast<size_t>(g.splits * a.s.C) * sizeof(double);
  a.sums = static_cast<double*>(scratch(p, 0, bytes));
  a.squares = static_cast<double*>(scratch(p, 1, bytes));
  for (int stage : {kSums, kSquares, kApply}) {
    batchnorm_fwd_kernel<<<g.grid, kThreads, 0, stream(p)>>>(a, stage);
    check_launch("batchnorm_fwd");
  }
}

// The buffers and accumulate flags: kernels::NormBackward.
struct BnBackward : kernels::NormBackward {
  Shape s;
  int64_t splits = 1;
  bool training = false;
  double* partial = nullptr;  // [2][splits][C]: Σ dy, Σ dy x̂
};

// kSums then kApply, or kAll: Σ dy and Σ dy x̂ per channel, then dbeta, dgamma and dx.
__global__ void batchnorm_bwd_kernel(BnBackward a, int stage) {
  const Shape& s = a.s;
  const int64_t c = channel_of(s);
  const bool valid = c < s.C;
  const float m = valid ? a.mean[c] : 0.0f, is = valid ? a.inv_std[c] : 0.0f;
  const float* x = a.x;
  const float* dy = a.dy;
  double t[2] = {0.0, 0.0};
  if (stage != kApply) {
    for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t) {
      const float g = dy[e];
      t[0] += g;
      t[1] += g * (x[e] - m) * is;
    });
    reduce_channel(s, t);
    if (stage == kSums) {
      if (channel_writer(s)) {
        a.partial[blockIdx.y * s.C + c] = t[0];
        a.partial[(a.splits + blockIdx.y) * s.C + c] = t[1];
      }
      return;
    }
  } else if (valid) {
    t[0] = sum_splits(a.partial, 0, a.splits, s.C, c);
    t[1] = sum_splits(a.partial, 1, a.splits, s.C, c);
  }
  if (channel_writer(s) && blockIdx.y == 0) {
    if (a.dbeta) a.dbeta[c] = (a.acc_db ? a.dbeta[c] : 0.0f) + static_cast<float>(t[0]);
    if (a.dgamma) a.dgamma[c] = (a.acc_dg ? a.dgamma[c] : 0.0f) + static_cast<float>(t[1]);
  }
  if (!a.dx || !valid) return;
  // dx = k1 dy + k2 x̂ + k3; the statistics' terms only when they came from this batch.
  const double count = static_cast<double>(s.count());
  const float k1 = (a.gamma ? a.gamma[c] : 1.0f) * is;
  const float k2 = a.training && count > 0 ? -k1 * static_cast<float>(t[1] / count) : 0.0f;
  const float k3 = a.training && count > 0 ? -k1 * static_cast<float>(t[0] / count) : 0.0f;
  float* dx = a.dx;
  const bool acc = a.acc_dx;
  for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t) {
    const float v = k1 * dy[e] + k2 * (x[e] - m) * is + k3;
    dx[e] = acc ? dx[e] + v : v;
  });
}

// bufs [x, gamma or -1, mean, inv_std, dy, dx or -1, dgamma or -1, dbeta or -1]
// ints [outer, C, inner, training, accumulate dx, accumulate dgamma, accumulate dbeta]
//
// With x̂ = (x - mean) * inv_std: dbeta = Σ dy, dgamma = Σ dy x̂; training:
// dx = gamma * inv_std * (dy - dbeta / N - x̂ * dgamma / N), inference: gamma * inv_std * dy.
void batchnorm_bwd(plan::Plan& p, const plan::Instr& in) {
  BnBackward a;
  static_cast<kernels::NormBackward&>(a) = kernels::norm_backward(p, in);
  a.s = Shape{resolve(in.ints.at(0), p.batch), in.ints.at(1), resolve(in.ints.at(2), p.batch)};
  if (a.s.C <= 0) return;
  a.training = in.ints.at(3) != 0;
  const ChannelGrid g = channel_grid(a.s);
  a.splits = g.splits;
  if (g.splits == 1) {
    batchnorm_bwd_kernel<<<g.grid, kThreads, 0, stream(p)>>>(a, kAll);
    check_launch("batchnorm_bwd");
    return;
  }
  a.partial = static_cast<double*>(scratch(p, 0, static_cast<size_t>(2 * g.splits * a.s.C) * sizeof(double)));
  batchnorm_bwd_kernel<<<g.grid, kThreads, 0, stream(p)>>>(a, kSums);
  check_launch("batchnorm_bwd");
  // Without dx only the first split's blocks have work (storing dgamma and dbeta).
  const dim3 apply(g.grid.x, a.dx ? g.grid.y : 1);
  batchnorm_bwd_kernel<<<apply, kThreads, 0, stream(p)>>>(a, kApply);
  check_launch("batchnorm_bwd");
}

// ---- LayerNormalization ------------------------------------------------------------------------
//
// Groups of N values (stride inner) normalised with their own statistics. With inner == 1
// a warp takes a row (float sums, as the CPU's row loop); otherwise a thread takes a group
// (o, i), consecutive threads reading consecutive i (double sums, as the CPU).

struct LnForward {
  int64_t outer = 0, N = 0, inner = 0;
  bool rms = false;
  float eps = 0;
  const float* x = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* y = nullptr;
  float* mean = nullptr;
  float* inv_std = nullptr;
};

__global__ void layernorm_rows_fwd(LnForward a) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  const int64_t N = a.N;
  const float nf = static_cast<float>(N);
  for (int64_t o = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32; o < a.outer; o += warps) {
    const float* xo = a.x + o * N;
    float mu = 0.0f;
    if (!a.rms) {
      float s = 0.0f;
      for (int64_t j = lane; j < N; j += 32) s += xo[j];
      mu = warp_sum(s) / nf;
    }
    float q = 0.0f;
    for (int64_t j = lane; j < N; j += 32) {
      const float d = xo[j] - mu;
      q += d * d;
    }
    const float is = 1.0f / sqrtf(warp_sum(q) / nf + a.eps);
    if (lane == 0) {
      a.mean[o] = mu;
      a.inv_std[o] = is;
    }
    float* yo = a.y + o * N;
    for (int64_t j = lane; j < N; j += 32) {
      float t = (xo[j] - mu) * is;
      if (a.gamma) t *= a.gamma[j];
      if (a.beta) t += a.beta[j];
      yo[j] = t;
    }
  }
}

__global__ void layernorm_groups_fwd(LnForward a) {
  const int64_t N = a.N, inner = a.inner, groups = a.outer * inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < groups;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / inner, i = t - o * inner;
    const float* xo = a.x + o * N * inner + i;
    double m = 0.0, v = 0.0;
    for (int64_t j = 0; j < N; ++j) {
      const float xv = xo[j * inner];
      m += a.rms ? static_cast<double>(xv) * xv : xv;
    }
    const float mf = a.rms ? 0.0f : static_cast<float>(m / N);
    if (!a.rms) {
      for (int64_t j = 0; j < N; ++j) {
        const double d = xo[j * inner] - mf;
        v += d * d;
      }
    }
    const float sf = 1.0f / sqrtf(static_cast<float>((a.rms ? m : v) / N) + a.eps);
    a.mean[t] = mf;
    a.inv_std[t] = sf;
    float* yo = a.y + o * N * inner + i;
    for (int64_t j = 0; j < N; ++j) {
      const float g = a.gamma ? a.gamma[j] : 1.0f, bt = a.beta ? a.beta[j] : 0.0f;
      yo[j * inner] = (xo[j * inner] - mf) * sf * g + bt;
    }
  }
}

// bufs [x, gamma or -1, beta or -1, y, mean, inv_std]; ints [outer, N, inner, rms]; floats [epsilon]
//
// y = (x - mean) * inv_std * gamma + beta per group, inv_std = 1 / sqrt(var + epsilon) with
// the biased variance; rms: y = x * inv_std * gamma, inv_std = 1 / sqrt(mean(x²) + epsilon),
// mean kept 0. mean and inv_std hold outer * inner values, for the backward.
void layernorm_fwd(plan::Plan& p, const plan::Instr& in) {
  LnForward a;
  a.outer = resolve(in.ints.at(0), p.batch);
  a.N = in.ints.at(1);
  a.inner = resolve(in.ints.at(2), p.batch);
  if (a.N <= 0 || a.outer * a.inner <= 0) return;
  a.rms = in.ints.at(3) != 0;
  a.eps = in.floats.at(0);
  a.x = p.f32(in.bufs.at(0));
  a.gamma = in.bufs.at(1) >= 0 ? p.f32(in.bufs[1]) : nullptr;
  a.beta = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.y = p.f32(in.bufs.at(3));
  a.mean = p.f32(in.bufs.at(4));
  a.inv_std = p.f32(in.bufs.at(5));
  if (a.inner == 1) {
    layernorm_rows_fwd<<<blocks_for(a.outer * 32), kThreads, 0, stream(p)>>>(a);
  } else {
    layernorm_groups_fwd<<<blocks_for(a.outer * a.inner), kThreads, 0, stream(p)>>>(a);
  }
  check_launch("layernorm_fwd");
}

// The buffers and accumulate flags: kernels::NormBackward.
struct LnBackward : kernels::NormBackward {
  Shape s;  // [outer, N, inner]: the normalised positions are the "channels" of dgamma / dbeta
  int64_t splits = 1;
  bool rms = false;
  double* partial = nullptr;  // [2][splits][N]: Σ dy x̂, Σ dy
};

// dx per row: with g = dy * gamma, dx = inv_std * (g - mean(g) - x̂ * mean(g x̂)).
__global__ void layernorm_rows_bwd(LnBackward a) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  const int64_t N = a.s.C;
  const float nf = static_cast<float>(N);
  for (int64_t o = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32; o < a.s.outer; o += warps) {
    const float* xo = a.x + o * N;
    const float* go = a.dy + o * N;
    const float mu = a.mean[o], is = a.inv_std[o];
    float s1 = 0.0f, s2 = 0.0f;
    for (int64_t j = lane; j < N; j += 32) {
      const float xh = (xo[j] - mu) * is;
      const float g = go[j] * (a.gamma ? a.gamma[j] : 1.0f);
      s1 += g;
      s2 += g * xh;
    }
    const float m1 = a.rms ? 0.0f : warp_sum(s1) / nf, m2 = warp_sum(s2) / nf;
    float* d = a.dx + o * N;
    for (int64_t j = lane; j < N; j += 32) {
      const float xh = (xo[j] - mu) * is;
      const float g = go[j] * (a.gamma ? a.gamma[j] : 1.0f);
      const float v = is * (g - m1 - xh * m2);
      d[j] = a.acc_dx ? d[j] + v : v;
    }
  }
}

__global__ void layernorm_groups_bwd(LnBackward a) {
  const int64_t N = a.s.C, inner = a.s.inner, groups = a.s.outer * inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < groups;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / inner, i = t - o * inner;
    const int64_t base = o * N * inner + i;
    const float mu = a.mean[t], is = a.inv_std[t];
    float sg = 0.0f, sgx = 0.0f;
    for (int64_t j = 0; j < N; ++j) {
      const float xh = (a.x[base + j * inner] - mu) * is;
      const float g = a.dy[base + j * inner] * (a.gamma ? a.gamma[j] : 1.0f);
      sg += g;
      sgx += g * xh;
    }
    sg = a.rms ? 0.0f : sg / N;
    sgx /= N;
    for (int64_t j = 0; j < N; ++j) {
      const int64_t k = base + j * inner;
      const float xh = (a.x[k] - mu) * is;
      const float v = is * (a.dy[k] * (a.gamma ? a.gamma[j] : 1.0f) - sg - xh * sgx);
      a.dx[k] = a.acc_dx ? a.dx[k] + v : v;
    }
  }
}

// dgamma = Σ dy x̂ and dbeta = Σ dy per normalised position, over every group: stored (kAll)
// or left as partials (kSums) for layernorm_params_finish.
__global__ void layernorm_params_bwd(LnBackward a, int stage) {
  const Shape& s = a.s;
  const float* x = a.x;
  const float* dy = a.dy;
  const float* mean = a.mean;
  const float* inv_std = a.inv_std;
  double t[2] = {0.0, 0.0};
  for_channel_values(s, a.splits, [&](int64_t e, int64_t, int64_t g) {
    const float xh = (x[e] - mean[g]) * inv_std[g];
    t[0] += dy[e] * xh;
    t[1] += dy[e];
  });
  reduce_channel(s, t);
  if (!channel_writer(s)) return;
  const int64_t j = channel_of(s);
  if (stage == kSums) {
    a.partial[blockIdx.y * s.C + j] = t[0];
    a.partial[(a.splits + blockIdx.y) * s.C + j] = t[1];
    return;
  }
  if (a.dgamma) a.dgamma[j] = (a.acc_dg ? a.dgamma[j] : 0.0f) + static_cast<float>(t[0]);
  if (a.dbeta) a.dbeta[j] = (a.acc_db ? a.dbeta[j] : 0.0f) + static_cast<float>(t[1]);
}

__global__ void layernorm_params_finish(LnBackward a) {
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < a.s.C;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double g = sum_splits(a.partial, 0, a.splits, a.s.C, j), b = sum_splits(a.partial, 1, a.splits, a.s.C, j);
    if (a.dgamma) a.dgamma[j] = (a.acc_dg ? a.dgamma[j] : 0.0f) + static_cast<float>(g);
    if (a.dbeta) a.dbeta[j] = (a.acc_db ? a.dbeta[j] : 0.0f) + static_cast<float>(b);
  }
}

// bufs [x, gamma or -1, mean, inv_std, dy, dx or -1, dgamma or -1, dbeta or -1]
// ints [outer, N, inner, rms, accumulate dx, accumulate dgamma, accumulate dbeta]
//
// Per group, with x̂ = (x - mean) * inv_std and g = dy * gamma:
//   dx = inv_std * (g - mean(g) - x̂ * mean(g x̂))   (rms: without the mean(g) term)
// and over all groups dgamma = Σ dy x̂, dbeta = Σ dy.
void layernorm_bwd(plan::Plan& p, const plan::Instr& in) {
  LnBackward a;
  static_cast<kernels::NormBackward&>(a) = kernels::norm_backward(p, in);
  a.s = Shape{resolve(in.ints.at(0), p.batch), in.ints.at(1), resolve(in.ints.at(2), p.batch)};
  a.rms = in.ints.at(3) != 0;
  if (a.s.C <= 0) return;
  const int64_t groups = a.s.outer * a.s.inner;
  if (a.dx && groups > 0) {
    if (a.s.rows()) {
      layernorm_rows_bwd<<<blocks_for(a.s.outer * 32), kThreads, 0, stream(p)>>>(a);
    } else {
      layernorm_groups_bwd<<<blocks_for(groups), kThreads, 0, stream(p)>>>(a);
    }
    check_launch("layernorm_bwd");
  }
  if (!a.dgamma && !a.dbeta) return;
  const ChannelGrid g = channel_grid(a.s);
  a.splits = g.splits;
  if (g.splits == 1) {
    layernorm_params_bwd<<<g.grid, kThreads, 0, stream(p)>>>(a, kAll);
    check_launch("layernorm_bwd");
    return;
  }
  a.partial = static_cast<double*>(scratch(p, 0, static_cast<size_t>(2 * g.splits * a.s.C) * sizeof(double)));
  layernorm_params_bwd<<<g.grid, kThreads, 0, stream(p)>>>(a, kSums);
  check_launch("layernorm_bwd");
  layernorm_params_finish<<<blocks_for(a.s.C), kThreads, 0, stream(p)>>>(a);
  check_launch("layernorm_bwd");
}

STRATA_CUDA_KERNEL("batchnorm_fwd", batchnorm_fwd);
STRATA_CUDA_KERNEL("batchnorm_bwd", batchnorm_bwd);
STRATA_CUDA_KERNEL("layernorm_fwd", layernorm_fwd);
STRATA_CUDA_KERNEL("layernorm_bwd", layernorm_bwd);

}  // namespace
}  // namespace strata::cuda
