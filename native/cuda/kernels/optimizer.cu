// Fused optimizer updates on the device, the rules of src/kernels/optimizer.h that the CPU
// kernel runs too (Keras 3's update rules, clipping and decoupled weight decay in the same pass). The learning rate,
// the iteration count, the global-norm scale and Nadam's momentum product are plan scalars
// that earlier kernels of the same step write on the device, so each thread reads them
// there; the step-dependent coefficients are computed per thread (a few flops against a
// grid-stride loop over many weights). Norms are sums of squares in double, reduced in a
// fixed order (block partials, then one block), so a step is deterministic.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../kernel.cuh"
#include "kernels/optimizer.h"

namespace strata::cuda {
namespace {

// ---- sums of squares over gradient buffers -----------------------------------------------------

// Buffers per launch: their pointers and sizes travel in the launch's parameters.
constexpr int kNormBufs = 64;

struct NormBufs {
  const float* ptr[kNormBufs] = {};
  int64_t n[kNormBufs] = {};
};

// partial[y * gridDim.x + x] = Σ g² over the x-th grid-stride share of buffer y.
__global__ void sum_squares_partials(NormBufs b, double* partial) {
  const float* g = b.ptr[blockIdx.y];
  const int64_t n = b.n[blockIdx.y];
  double s = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    s += static_cast<double>(g[i]) * g[i];
  }
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.y * gridDim.x + blockIdx.x] = s;
}

// Sums `count` partials in one block. as_scale: writes global_clipnorm's scale
// min(1, clip / sqrt(sum)) instead of the sum.
__global__ void sum_squares_finish(const double* partial, int64_t count, double* out, float clip, bool as_scale) {
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x != 0) return;
  *out = as_scale ? kernels::global_clip_scale(s, clip) : s;
}

// Σ g² over the buffers (bufs, with their counts) into *out, or global_clipnorm's scale.
// Uses scratch slot 0 for the partials.
void sum_squares(plan::Plan& p, const std::vector<const float*>& bufs, const std::vector<int64_t>& counts, double* out, float clip,
                 bool as_scale) {
  int64_t largest = 0;
  for (int64_t n : counts) largest = std::max(largest, n);
  // Up to 16 values a thread, at most 256 blocks a buffer.
  const unsigned per_buf = std::min<unsigned>(blocks_for(largest, kThreads * 16), 256u);
  const int64_t total = static_cast<int64_t>(bufs.size()) * per_buf;
  double* partial = static_cast<double*>(scratch(p, 0, static_cast<size_t>(std::max<int64_t>(total, 1)) * sizeof(double)));
  for (size_t first = 0; first < bufs.size(); first += kNormBufs) {
    NormBufs b;
    const size_t count = std::min<size_t>(kNormBufs, bufs.size() - first);
    for (size_t k = 0; k < count; ++k) {
      b.ptr[k] = bufs[first + k];
      b.n[k] = counts[first + k];
    }
    sum_squares_partials<<<dim3(per_buf, static_cast<unsigned>(count)), kThreads, 0, stream(p)>>>(b, partial + first * per_buf);
    check_launch("sum of squares");
  }
  sum_squares_finish<<<1, kThreads, 0, stream(p)>>>(partial, total, out, clip, as_scale);
  check_launch("sum of squares");
}

// ---- optimizer_update --------------------------------------------------------------------------

struct UpdateArgs {
  int64_t kind = 0, flags = 0, n = 0;
  float floats[7] = {};  // the instruction's floats
  const double* lr = nullptr;
  const double* iterations = nullptr;
  const double* gscale = nullptr;     // global-norm scale, or null for 1
  const double* u_product = nullptr;  // Nadam's running momentum product, or null
  const double* sumsq = nullptr;      // Σ g² of this weight when clipnorm > 0, else null
  float* w = nullptr;
  const float* g = nullptr;
  float* s0 = nullptr;
  float* s1 = nullptr;
  float* s2 = nullptr;
};

// One kernel per rule (R is a kernels::Rule), so that no thread branches on the kind.
template <int64_t R>
__global__ void optimizer_update_kernel(UpdateArgs a) {
  float gscale = a.gscale ? static_cast<float>(*a.gscale) : 1.0f;
  if (a.sumsq) gscale = kernels::clipnorm_scale(gscale, *a.sumsq, a.floats[4]);
  const kernels::UpdateStep c = kernels::update_step(a.kind, a.flags, a.floats, static_cast<float>(*a.lr), *a.iterations, gscale,
                                                     a.u_product ? *a.u_product : 0.0);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < a.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    kernels::update_element(std::integral_constant<int64_t, R>{}, c, i, a.w, a.g, a.s0, a.s1, a.s2);
  }
}

// bufs [w, g, slot0, slot1, slot2] (unused slots -1)
// ints [kind, lr slot, iterations slot, global-norm scale slot or -1, flags, nadam u-product slot or -1]
// floats [h0, h1, h2, h3, clipnorm, clipvalue, weight decay] (see optimizer.cc)
void optimizer_update(plan::Plan& p, const plan::Instr& in) {
  UpdateArgs a;
  a.kind = in.ints.at(0);
  a.flags = in.ints.at(4);
  a.n = p.count(in.bufs.at(0));
  if (a.n <= 0) return;
  for (int k = 0; k < 7; ++k) a.floats[k] = in.floats.at(k);
  double* s = scalars(p);
  a.lr = s + in.ints.at(1);
  a.iterations = s + in.ints.at(2);
  a.gscale = in.ints.at(3) >= 0 ? s + in.ints[3] : nullptr;
  if (a.kind == kernels::kNadam) a.u_product = s + in.ints.at(5);
  a.w = p.f32(in.bufs[0]);
  a.g = p.f32(in.bufs.at(1));
  a.s0 = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.s1 = in.bufs.at(3) >= 0 ? p.f32(in.bufs[3]) : nullptr;
  a.s2 = in.bufs.at(4) >= 0 ? p.f32(in.bufs[4]) : nullptr;
  if (a.floats[4] > 0.0f) {
    double* sumsq = static_cast<double*>(scratch(p, 1, sizeof(double)));
    sum_squares(p, {a.g}, {a.n}, sumsq, 0.0f, false);
    a.sumsq = sumsq;
  }
  // At most 2048 blocks, so each thread's coefficients serve several weights.
  kernels::with_rule(kernels::rule_of(a.kind, a.flags, a.floats[0], a.floats[1]), [&](auto rule) {
    optimizer_update_kernel<decltype(rule)::value><<<std::min(blocks_for(a.n), 2048u), kThreads, 0, stream(p)>>>(a);
    check_launch("optimizer_update");
  });
}

// Scale for global_clipnorm: min(1, clip / ||all gradients||) into a scalar.
// bufs [g...]; ints [scalar slot]; floats [clip]
void global_norm_scale(plan::Plan& p, const plan::Instr& in) {
  std::vector<const float*> bufs;
  std::vector<int64_t> counts;
  for (int32_t b : in.bufs) {
    bufs.push_back(p.f32(b));
    counts.push_back(p.count(b));
  }
  sum_squares(p, bufs, counts, scalars(p) + in.ints.at(0), in.floats.at(0), true);
}

// iterations += 1 and, for Nadam, the running momentum product (one thread, in double).
__global__ void optimizer_step_end_kernel(double* iterations, double* u_product, float beta1) {
  kernels::advance_step(*iterations, u_product, beta1);
}

// ints [iterations slot, u-product slot or -1]; floats [beta1 (nadam)]
void optimizer_step_end(plan::Plan& p, const plan::Instr& in) {
  double* s = scalars(p);
  double* u_product = in.ints.at(1) >= 0 ? s + in.ints[1] : nullptr;
  const float beta1 = u_product ? in.floats.at(0) : 0.0f;
  optimizer_step_end_kernel<<<1, 1, 0, stream(p)>>>(s + in.ints.at(0), u_product, beta1);
  check_launch("optimizer_step_end");
}

STRATA_CUDA_KERNEL("optimizer_update", optimizer_update);
STRATA_CUDA_KERNEL("global_norm_scale", global_norm_scale);
STRATA_CUDA_KERNEL("optimizer_step_end", optimizer_step_end);

}  // namespace
}  // namespace strata::cuda
