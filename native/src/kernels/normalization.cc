// Normalization kernels: BatchNormalization (statistics per channel over the batch and every
// other axis) and LayerNormalization (statistics per sample over the normalised axes), each
// forward next to its backward.
//
// Both see their input as [outer, n, inner]: the axis (or adjacent axes) in the middle is
// the channel axis of BatchNormalization, or the normalised axes of LayerNormalization.
// Channels-last and last-axis layouts (inner == 1) have their own loops, which run along
// contiguous rows; the general layout runs along the inner axis. Sizes may be batch-relative
// (a negative size -f is f times the current batch).
//
// BatchNormalization accumulates its statistics in double (a channel of a large batch sums
// 10^5..10^6 values); LayerNormalization's rows are short and use float with eight
// accumulators. The variance is the biased one, from a second pass over (x - mean)^2, as
// Keras' moments.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../plan/plan.h"
#include "normalization.h"
#include "parallel.h"
#include "strided.h"

namespace strata::kernels {
namespace {

// Sum of f(x[i]) over n contiguous values with eight independent accumulators, so that the
// loop vectorizes without reassociation flags.
template <typename F>
inline float sum8(const float* x, int64_t n, F&& f) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(x[i + k]);
  float s = 0.0f;
  for (; i < n; ++i) s += f(x[i]);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// Per-channel sums over [outer, C, inner] of f(x, c) (and of g(x, c) when given), in double.
// The outer axis is split into chunks folded into their own partial sums, then combined.
template <int K, typename F>
void channel_sums(const float* x, int64_t outer, int64_t C, int64_t inner, int threads, double* out, F&& f) {
  const int64_t per = C * inner;
  const int64_t total = outer * per;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>({static_cast<int64_t>(std::max(threads, 1)), outer, total / kElementGrain}));
  std::vector<double> partial(static_cast<size_t>(chunks * K * C), 0.0);
  for_range(chunks, 1, threads, [&](int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(K * C));
    for (int64_t ch = b; ch < e; ++ch) {
      double* acc = partial.data() + ch * K * C;
      const int64_t o0 = ch * outer / chunks, o1 = (ch + 1) * outer / chunks;
      for (int64_t o = o0; o < o1; ++o) {
        const float* xo = x + o * per;
        if (inner == 1) {
          // One row of channels: f over the row into float, then into the double sums.
          f(xo, int64_t{0}, C, row.data(), C);
          for (int64_t k = 0; k < K * C; ++k) acc[k] += row[k];
        } else {
          for (int64_t c = 0; c < C; ++c) {
            float s[K];
            for (int k = 0; k < K; ++k) s[k] = 0.0f;
            f(xo + c * inner, c, inner, s, 0);
            for (int k = 0; k < K; ++k) acc[k * C + c] += s[k];
          }
        }
      }
    }
  });
  std::fill(out, out + K * C, 0.0);
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int64_t k = 0; k < K * C; ++k) out[k] += partial[ch * K * C + k];
}

// ---- BatchNormalization ------------------------------------------------------------------------

// bufs [x, gamma or -1, beta or -1, moving_mean, moving_variance, y, mean, inv_std]
// ints [outer, C, inner, training]; floats [epsilon, momentum]
//
// Training: mean and (biased) variance of each channel over this batch normalise x, and the
// moving statistics move toward them as Keras does: moving = moving * momentum + stat *
// (1 - momentum). Inference: the moving statistics normalise x. Either way `mean` and
// `inv_std` keep what was used, for the backward.
void batchnorm_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), C = in.ints.at(1), inner = resolve(in.ints.at(2), p.batch);
  const bool training = in.ints.at(3) != 0;
  const float eps = in.floats.at(0), momentum = in.floats.at(1);
  const float* x = p.f32(in.bufs[0]);
  const float* gamma = in.bufs[1] >= 0 ? p.f32(in.bufs[1]) : nullptr;
  const float* beta = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* moving_mean = p.f32(in.bufs[3]);
  float* moving_var = p.f32(in.bufs[4]);
  float* y = p.f32(in.bufs[5]);
  float* mean = p.f32(in.bufs[6]);
  float* inv_std = p.f32(in.bufs[7]);
  const int64_t count = outer * inner;
  if (training && count > 0) {
    std::vector<double> s1(static_cast<size_t>(C)), s2(static_cast<size_t>(C));
    channel_sums<1>(x, outer, C, inner, p.threads, s1.data(), [](const float* v, int64_t, int64_t n, float* s, int64_t stride) {
      if (stride > 0) {
        for (int64_t c = 0; c < n; ++c) s[c] = v[c];
      } else {
        float a = 0.0f;
        for (int64_t i = 0; i < n; ++i) a += v[i];
        s[0] = a;
      }
    });
    for (int64_t c = 0; c < C; ++c) mean[c] = static_cast<float>(s1[c] / count);
    channel_sums<1>(x, outer, C, inner, p.threads, s2.data(), [&](const float* v, int64_t c0, int64_t n, float* s, int64_t stride) {
      if (stride > 0) {
        for (int64_t c = 0; c < n; ++c) {
          const float d = v[c] - mean[c];
          s[c] = d * d;
        }
      } else {
        const float m = mean[c0];
        float a = 0.0f;
        for (int64_t i = 0; i < n; ++i) {
          const float d = v[i] - m;
          a += d * d;
        }
        s[0] = a;
      }
    });
    for (int64_t c = 0; c < C; ++c) {
      const float var = static_cast<float>(s2[c] / count);
      inv_std[c] = 1.0f / std::sqrt(var + eps);
      moving_mean[c] = moving_mean[c] * momentum + mean[c] * (1.0f - momentum);
      moving_var[c] = moving_var[c] * momentum + var * (1.0f - momentum);
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean[c] = moving_mean[c];
      inv_std[c] = 1.0f / std::sqrt(moving_var[c] + eps);
    }
  }
  // y = x * scale + shift per channel.
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = inv_std[c] * (gamma ? gamma[c] : 1.0f);
    shift[c] = (beta ? beta[c] : 0.0f) - mean[c] * scale[c];
  }
  const int64_t per = C * inner;
  for_rows(outer, per, p.threads, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const float* xo = x + o * per;
      float* yo = y + o * per;
      if (inner == 1) {
        for (int64_t c = 0; c < C; ++c) yo[c] = xo[c] * scale[c] + shift[c];
      } else {
        for (int64_t c = 0; c < C; ++c) {
          const float a = scale[c], s = shift[c];
          for (int64_t i = 0; i < inner; ++i) yo[c * inner + i] = xo[c * inner + i] * a + s;
        }
      }
    }
  });
}

// bufs [x, gamma or -1, mean, inv_std, dy, dx or -1, dgamma or -1, dbeta or -1]
// ints [outer, C, inner, training, accumulate dx, accumulate dgamma, accumulate dbeta]
//
// With x̂ = (x - mean) * inv_std: dbeta = Σ dy, dgamma = Σ dy x̂. In training the statistics
// depend on x: dx = gamma * inv_std * (dy - dbeta / N - x̂ * dgamma / N); at inference they
// are constants: dx = gamma * inv_std * dy.
void batchnorm_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), C = in.ints.at(1), inner = resolve(in.ints.at(2), p.batch);
  const bool training = in.ints.at(3) != 0;
  const NormBackward io = norm_backward(p, in);
  const bool acc_dx = io.acc_dx, acc_dg = io.acc_dg, acc_db = io.acc_db;
  const float *x = io.x, *gamma = io.gamma, *mean = io.mean, *inv_std = io.inv_std, *dy = io.dy;
  float *dx = io.dx, *dgamma = io.dgamma, *dbeta = io.dbeta;
  const int64_t per = C * inner;
  const int64_t count = outer * inner;

  // Σ dy and Σ dy x̂ per channel, in one pass over x and dy together.
  std::vector<double> sums(static_cast<size_t>(2 * C), 0.0);
  {
    const int64_t total = outer * per;
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>({static_cast<int64_t>(std::max(p.threads, 1)), outer, total / kElementGrain}));
    std::vector<double> partial(static_cast<size_t>(chunks * 2 * C), 0.0);
    for_range(chunks, 1, p.threads, [&](int64_t b, int64_t e) {
      std::vector<float> row(static_cast<size_t>(2 * C));
      for (int64_t ch = b; ch < e; ++ch) {
        double* acc = partial.data() + ch * 2 * C;
        for (int64_t o = ch * outer / chunks; o < (ch + 1) * outer / chunks; ++o) {
          const float* xo = x + o * per;
          const float* go = dy + o * per;
          if (inner == 1) {
            for (int64_t c = 0; c < C; ++c) {
              row[c] = go[c];
              row[C + c] = go[c] * (xo[c] - mean[c]) * inv_std[c];
            }
            for (int64_t k = 0; k < 2 * C; ++k) acc[k] += row[k];
          } else {
            for (int64_t c = 0; c < C; ++c) {
              const float m = mean[c], s = inv_std[c];
              float sd = 0.0f, sdx = 0.0f;
              for (int64_t i = 0; i < inner; ++i) {
                const float g = go[c * inner + i];
                sd += g;
                sdx += g * (xo[c * inner + i] - m) * s;
              }
              acc[c] += sd;
              acc[C + c] += sdx;
            }
          }
        }
      }
    });
    for (int64_t ch = 0; ch < chunks; ++ch)
      for (int64_t k = 0; k < 2 * C; ++k) sums[k] += partial[ch * 2 * C + k];
  }
  if (dbeta)
    for (int64_t c = 0; c < C; ++c) dbeta[c] = (acc_db ? dbeta[c] : 0.0f) + static_cast<float>(sums[c]);
  if (dgamma)
    for (int64_t c = 0; c < C; ++c) dgamma[c] = (acc_dg ? dgamma[c] : 0.0f) + static_cast<float>(sums[C + c]);
  if (!dx) return;

  // dx = k1 * dy + k2 * x̂ + k3 per channel, with x̂ = (x - mean) * inv_std.
  std::vector<float> k1(static_cast<size_t>(C)), k2(static_cast<size_t>(C)), k3(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const float a = (gamma ? gamma[c] : 1.0f) * inv_std[c];
    k1[c] = a;
    if (training && count > 0) {
      k2[c] = -a * static_cast<float>(sums[C + c] / count);
      k3[c] = -a * static_cast<float>(sums[c] / count);
    } else {
      k2[c] = 0.0f;
      k3[c] = 0.0f;
    }
  }
  for_rows(outer, per, p.threads, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const float* xo = x + o * per;
      const float* go = dy + o * per;
      float* d = dx + o * per;
      if (inner == 1) {
        for (int64_t c = 0; c < C; ++c) {
          const float v = k1[c] * go[c] + k2[c] * (xo[c] - mean[c]) * inv_std[c] + k3[c];
          d[c] = acc_dx ? d[c] + v : v;
        }
      } else {
        for (int64_t c = 0; c < C; ++c) {
          const float a = k1[c], bq = k2[c] * inv_std[c], m = mean[c], k = k3[c];
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t j = c * inner + i;
            const float v = a * go[j] + bq * (xo[j] - m) + k;
            d[j] = acc_dx ? d[j] + v : v;
          }
        }
      }
    }
  });
}

// ---- LayerNormalization ------------------------------------------------------------------------

// bufs [x, gamma or -1, beta or -1, y, mean, inv_std]; ints [outer, N, inner, rms]; floats [epsilon]
//
// Each group of N values (one per position of the normalised axes, stride `inner`) is
// normalised with its own mean and biased variance: y = (x - mean) * inv_std * gamma + beta,
// inv_std = 1 / sqrt(var + epsilon); gamma and beta are indexed by the position along the
// normalised axes. rms: y = x * inv_std * gamma with inv_std = 1 / sqrt(mean(x²) + epsilon)
// (mean kept 0). `mean` and `inv_std` hold outer * inner values, for the backward.
void layernorm_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), N = in.ints.at(1), inner = resolve(in.ints.at(2), p.batch);
  const bool rms = in.ints.at(3) != 0;
  const float eps = in.floats.at(0);
  const float* x = p.f32(in.bufs[0]);
  const float* gamma = in.bufs[1] >= 0 ? p.f32(in.bufs[1]) : nullptr;
  const float* beta = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* y = p.f32(in.bufs[3]);
  float* mean_out = p.f32(in.bufs[4]);
  float* inv_out = p.f32(in.bufs[5]);
  const int64_t per = N * inner;
  if (N == 0) return;
  for_rows(outer, per, p.threads, [&](int64_t b, int64_t e) {
    std::vector<double> m(static_cast<size_t>(inner)), v(static_cast<size_t>(inner));
    std::vector<float> mf(static_cast<size_t>(inner)), sf(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; ++o) {
      const float* xo = x + o * per;
      float* yo = y + o * per;
      if (inner == 1) {
        // Row-wise: sums with eight accumulators (vectorized), the variance from a second pass.
        const float mu = rms ? 0.0f : sum8(xo, N, [](float v) { return v; }) / N;
        const float var = rms ? sum8(xo, N, [](float v) { return v * v; }) / N
                              : sum8(xo, N, [mu](float v) { return (v - mu) * (v - mu); }) / N;
        const float is = 1.0f / std::sqrt(var + eps);
        mean_out[o] = mu;
        inv_out[o] = is;
        for (int64_t j = 0; j < N; ++j) {
          float t = (xo[j] - mu) * is;
          if (gamma) t *= gamma[j];
          if (beta) t += beta[j];
          yo[j] = t;
        }
      } else {
        std::fill(m.begin(), m.end(), 0.0);
        std::fill(v.begin(), v.end(), 0.0);
        for (int64_t j = 0; j < N; ++j)
          for (int64_t i = 0; i < inner; ++i) m[i] += rms ? static_cast<double>(xo[j * inner + i]) * xo[j * inner + i] : xo[j * inner + i];
        for (int64_t i = 0; i < inner; ++i) mf[i] = rms ? 0.0f : static_cast<float>(m[i] / N);
        if (!rms)
          for (int64_t j = 0; j < N; ++j)
            for (int64_t i = 0; i < inner; ++i) {
              const double d = xo[j * inner + i] - mf[i];
              v[i] += d * d;
            }
        for (int64_t i = 0; i < inner; ++i) {
          sf[i] = 1.0f / std::sqrt(static_cast<float>((rms ? m[i] : v[i]) / N) + eps);
          mean_out[o * inner + i] = mf[i];
          inv_out[o * inner + i] = sf[i];
        }
        for (int64_t j = 0; j < N; ++j) {
          const float g = gamma ? gamma[j] : 1.0f, bt = beta ? beta[j] : 0.0f;
          for (int64_t i = 0; i < inner; ++i) yo[j * inner + i] = (xo[j * inner + i] - mf[i]) * sf[i] * g + bt;
        }
      }
    }
  });
}

// bufs [x, gamma or -1, mean, inv_std, dy, dx or -1, dgamma or -1, dbeta or -1]
// ints [outer, N, inner, rms, accumulate dx, accumulate dgamma, accumulate dbeta]
//
// Per group, with x̂ = (x - mean) * inv_std and g = dy * gamma:
//   dx = inv_std * (g - mean(g) - x̂ * mean(g x̂))   (rms: without the mean(g) term)
// and over all groups dgamma = Σ dy x̂, dbeta = Σ dy.
void layernorm_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t outer = resolve(in.ints.at(0), p.batch), N = in.ints.at(1), inner = resolve(in.ints.at(2), p.batch);
  const bool rms = in.ints.at(3) != 0;
  const NormBackward io = norm_backward(p, in);
  const bool acc_dx = io.acc_dx, acc_dg = io.acc_dg, acc_db = io.acc_db;
  const float *x = io.x, *gamma = io.gamma, *mean = io.mean, *inv_std = io.inv_std, *dy = io.dy;
  float *dx = io.dx, *dgamma = io.dgamma, *dbeta = io.dbeta;
  const int64_t per = N * inner;
  const bool params = dgamma || dbeta;
  // Chunks of the outer axis, each with its own partial dgamma / dbeta.
  const int64_t total = outer * per;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>({static_cast<int64_t>(std::max(p.threads, 1)), outer, std::max<int64_t>(1, total / kElementGrain)}));
  std::vector<float> partial(params ? static_cast<size_t>(chunks * 2 * N) : 0, 0.0f);
  for_range(chunks, 1, p.threads, [&](int64_t b, int64_t e) {
    std::vector<float> sg(static_cast<size_t>(inner)), sgx(static_cast<size_t>(inner));
    for (int64_t ch = b; ch < e; ++ch) {
      float* pg = params ? partial.data() + ch * 2 * N : nullptr;
      float* pb = params ? pg + N : nullptr;
      for (int64_t o = ch * outer / chunks; o < (ch + 1) * outer / chunks; ++o) {
        const float* xo = x + o * per;
        const float* go = dy + o * per;
        float* d = dx ? dx + o * per : nullptr;
        if (inner == 1) {
          const float mu = mean[o], is = inv_std[o];
          float s1 = 0.0f, s2 = 0.0f;
          for (int64_t j = 0; j < N; ++j) {
            const float xh = (xo[j] - mu) * is;
            const float g = go[j] * (gamma ? gamma[j] : 1.0f);
            s1 += g;
            s2 += g * xh;
            if (pg) {
              pg[j] += go[j] * xh;
              pb[j] += go[j];
            }
          }
          if (d) {
            const float m1 = rms ? 0.0f : s1 / N, m2 = s2 / N;
            for (int64_t j = 0; j < N; ++j) {
              const float xh = (xo[j] - mu) * is;
              const float g = go[j] * (gamma ? gamma[j] : 1.0f);
              const float v = is * (g - m1 - xh * m2);
              d[j] = acc_dx ? d[j] + v : v;
            }
          }
        } else {
          const float* mu = mean + o * inner;
          const float* is = inv_std + o * inner;
          std::fill(sg.begin(), sg.end(), 0.0f);
          std::fill(sgx.begin(), sgx.end(), 0.0f);
          for (int64_t j = 0; j < N; ++j) {
            const float gm = gamma ? gamma[j] : 1.0f;
            float sxg = 0.0f, sdy = 0.0f;
            for (int64_t i = 0; i < inner; ++i) {
              const int64_t k = j * inner + i;
              const float xh = (xo[k] - mu[i]) * is[i];
              const float g = go[k] * gm;
              sg[i] += g;
              sgx[i] += g * xh;
              sxg += go[k] * xh;
              sdy += go[k];
            }
            if (pg) {
              pg[j] += sxg;
              pb[j] += sdy;
            }
          }
          if (d) {
            for (int64_t i = 0; i < inner; ++i) {
              sg[i] = rms ? 0.0f : sg[i] / N;
              sgx[i] /= N;
            }
            for (int64_t j = 0; j < N; ++j) {
              const float gm = gamma ? gamma[j] : 1.0f;
              for (int64_t i = 0; i < inner; ++i) {
                const int64_t k = j * inner + i;
                const float xh = (xo[k] - mu[i]) * is[i];
                const float v = is[i] * (go[k] * gm - sg[i] - xh * sgx[i]);
                d[k] = acc_dx ? d[k] + v : v;
              }
            }
          }
        }
      }
    }
  });
  if (!params) return;
  for (int64_t j = 0; j < N; ++j) {
    float g = 0.0f, bsum = 0.0f;
    for (int64_t ch = 0; ch < chunks; ++ch) {
      g += partial[ch * 2 * N + j];
      bsum += partial[ch * 2 * N + N + j];
    }
    if (dgamma) dgamma[j] = (acc_dg ? dgamma[j] : 0.0f) + g;
    if (dbeta) dbeta[j] = (acc_db ? dbeta[j] : 0.0f) + bsum;
  }
}

STRATA_KERNEL("batchnorm_fwd", batchnorm_fwd);
STRATA_KERNEL("batchnorm_bwd", batchnorm_bwd);
STRATA_KERNEL("layernorm_fwd", layernorm_fwd);
STRATA_KERNEL("layernorm_bwd", layernorm_bwd);

}  // namespace
}  // namespace strata::kernels
