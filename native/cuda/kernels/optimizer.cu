// Fused optimizer updates on the device, the rules of src/kernels/optimizer.cc (Keras 3's
// update rules, clipping and decoupled weight decay in the same pass). The learning rate,
// the iteration count, the global-norm scale and Nadam's momentum product are plan scalars
// that earlier kernels of the same step write on the device, so each thread reads them
// there; the step-dependent coefficients are computed per thread (a few flops against a
// grid-stride loop over many weights). Norms are sums of squares in double, reduced in a
// fixed order (block partials, then one block), so a step is deterministic.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

enum Optimizer : int64_t { kSgd = 0, kRmsprop = 1, kAdam = 2, kAdamW = 3, kAdagrad = 4, kAdadelta = 5, kAdamax = 6, kNadam = 7 };
enum Flags : int64_t { kNesterov = 1, kCentered = 2, kAmsgrad = 4 };

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
  if (as_scale) {
    const double norm = sqrt(s);
    *out = norm > clip ? clip / norm : 1.0;
  } else {
    *out = s;
  }
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
  float h0 = 0, h1 = 0, h2 = 0, clipnorm = 0, clipvalue = 0, decay = 0;
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

// std::clamp's rule (a NaN passes through).
__device__ inline float clampf(float v, float lo, float hi) { return v < lo ? lo : hi < v ? hi : v; }

__global__ void optimizer_update_kernel(UpdateArgs a) {
  // Step-dependent coefficients, in optimizer.cc's float arithmetic.
  const float lr = static_cast<float>(*a.lr);
  const double local_step = *a.iterations + 1.0;
  float gscale = a.gscale ? static_cast<float>(*a.gscale) : 1.0f;
  if (a.sumsq) {
    const double norm = sqrt(*a.sumsq) * gscale;
    if (norm > a.clipnorm) gscale *= static_cast<float>(a.clipnorm / norm);
  }
  const float h0 = a.h0, h1 = a.h1, h2 = a.h2;
  const float b1p = powf(h0, static_cast<float>(local_step)), b2p = powf(h1, static_cast<float>(local_step));
  const float adam_alpha = lr * sqrtf(1.0f - b2p) / (1.0f - b1p);
  float u_t = 0, u_t1 = 0, u_prod_t = 0, u_prod_t1 = 0;
  if (a.kind == kNadam) {
    u_t = h0 * (1.0f - 0.5f * powf(0.96f, static_cast<float>(local_step) * 0.004f));
    u_t1 = h0 * (1.0f - 0.5f * powf(0.96f, static_cast<float>(local_step + 1) * 0.004f));
    u_prod_t = static_cast<float>(*a.u_product) * u_t;
    u_prod_t1 = u_prod_t * u_t1;
  }
  const bool clip = a.clipvalue > 0.0f, decayed = a.decay > 0.0f;

  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < a.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float g = a.g[i] * gscale;
    if (clip) g = clampf(g, -a.clipvalue, a.clipvalue);
    float w = a.w[i];
    // Decoupled weight decay comes before the rule reads the weight, as in optimizer.cc.
    if (decayed) w -= w * a.decay * lr;
    switch (a.kind) {
      case kSgd:
        if (h0 == 0.0f) {
          w -= lr * g;
        } else {
          const float v = h0 * a.s0[i] - lr * g;
          a.s0[i] = v;
          w += (a.flags & kNesterov) ? h0 * v - lr * g : v;
        }
        break;
      case kRmsprop: {
        const float rho = h0, momentum = h1, eps = h2;
        const float ms = rho * a.s0[i] + (1.0f - rho) * g * g;
        a.s0[i] = ms;
        float denom = ms + eps;
        if (a.flags & kCentered) {
          const float mg = rho * a.s2[i] + (1.0f - rho) * g;
          a.s2[i] = mg;
          denom = ms - mg * mg + eps;
        }
        const float inc = lr * g / sqrtf(denom);
        if (momentum > 0.0f) {
          const float v = momentum * a.s1[i] + inc;
          a.s1[i] = v;
          w -= v;
        } else {
          w -= inc;
        }
        break;
      }
      case kAdam:
      case kAdamW: {
        float m = a.s0[i], v = a.s1[i];
        m += (g - m) * (1.0f - h0);
        v += (g * g - v) * (1.0f - h1);
        a.s0[i] = m;
        a.s1[i] = v;
        if (a.flags & kAmsgrad) {
          v = fmaxf(a.s2[i], v);
          a.s2[i] = v;
        }
        w -= adam_alpha * m / (sqrtf(v) + h2);
        break;
      }
      case kAdagrad: {
        const float acc = a.s0[i] + g * g;
        a.s0[i] = acc;
        w -= lr * g / sqrtf(acc + h0);
        break;
      }
      case kAdadelta: {
        const float rho = h0, eps = h1;
        const float acc = rho * a.s0[i] + (1.0f - rho) * g * g;
        a.s0[i] = acc;
        const float d_acc = a.s1[i];
        const float delta = -sqrtf(d_acc + eps) / sqrtf(acc + eps) * g;
        a.s1[i] = rho * d_acc + (1.0f - rho) * delta * delta;
        w += lr * delta;
        break;
      }
      case kAdamax: {
        float m = a.s0[i];
        m += (g - m) * (1.0f - h0);
        const float u = fmaxf(h1 * a.s1[i], fabsf(g));
        a.s0[i] = m;
        a.s1[i] = u;
        w -= lr * m / ((1.0f - b1p) * (u + h2));
        break;
      }
      case kNadam: {
        float m = a.s0[i], v = a.s1[i];
        m += (g - m) * (1.0f - h0);
        v += (g * g - v) * (1.0f - h1);
        a.s0[i] = m;
        a.s1[i] = v;
        const float m_hat = u_t1 * m / (1.0f - u_prod_t1) + (1.0f - u_t) * g / (1.0f - u_prod_t);
        const float v_hat = v / (1.0f - b2p);
        w -= lr * m_hat / (sqrtf(v_hat) + h2);
        break;
      }
      default:
        break;
    }
    a.w[i] = w;
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
  a.h0 = in.floats.at(0);
  a.h1 = in.floats.at(1);
  a.h2 = in.floats.at(2);
  a.clipnorm = in.floats.at(4);
  a.clipvalue = in.floats.at(5);
  a.decay = in.floats.at(6);
  double* s = scalars(p);
  a.lr = s + in.ints.at(1);
  a.iterations = s + in.ints.at(2);
  a.gscale = in.ints.at(3) >= 0 ? s + in.ints[3] : nullptr;
  if (a.kind == kNadam) a.u_product = s + in.ints.at(5);
  a.w = p.f32(in.bufs[0]);
  a.g = p.f32(in.bufs.at(1));
  a.s0 = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.s1 = in.bufs.at(3) >= 0 ? p.f32(in.bufs[3]) : nullptr;
  a.s2 = in.bufs.at(4) >= 0 ? p.f32(in.bufs[4]) : nullptr;
  if (a.clipnorm > 0.0f) {
    double* sumsq = static_cast<double*>(scratch(p, 1, sizeof(double)));
    sum_squares(p, {a.g}, {a.n}, sumsq, 0.0f, false);
    a.sumsq = sumsq;
  }
  // At most 2048 blocks, so each thread's coefficients serve several weights.
  optimizer_update_kernel<<<std::min(blocks_for(a.n), 2048u), kThreads, 0, stream(p)>>>(a);
  check_launch("optimizer_update");
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
  const double local_step = *iterations + 1.0;
  if (u_product) {
    const double u_t = beta1 * (1.0 - 0.5 * pow(0.96, local_step * 0.004));
    *u_product *= u_t;
  }
  *iterations = local_step;
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
