// Softmax and log-softmax along any axis (ops.softmax, ops.logSoftmax, and the Softmax layer
// over adjacent axes), forward next to backward.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "parallel.h"
#include "strided.h"

namespace strata::kernels {
namespace {

// The value is seen as [outer, n, inner] with the softmax over n. inner == 1 (the last axis)
// is the row-wise kernel activations use; otherwise each [n, inner] block is processed with
// the inner axis vectorized: maxima, exponentials and sums of `inner` columns at once.

void softmax_strided(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log, int threads) {
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n * inner, 1));
  for_range(outer, grain, threads, [&](int64_t b, int64_t e) {
    std::vector<float> m(static_cast<size_t>(inner)), s(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; ++o) {
      const float* xb = x + o * n * inner;
      float* yb = y + o * n * inner;
      std::copy(xb, xb + inner, m.begin());
      for (int64_t j = 1; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) m[i] = std::max(m[i], xb[j * inner + i]);
      std::fill(s.begin(), s.end(), 0.0f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const float v = std::exp(xb[j * inner + i] - m[i]);
          s[i] += v;
          if (!log) yb[j * inner + i] = v;
        }
      if (log) {
        for (int64_t i = 0; i < inner; ++i) m[i] += std::log(s[i]);
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i) yb[j * inner + i] = xb[j * inner + i] - m[i];
      } else {
        for (int64_t i = 0; i < inner; ++i) s[i] = 1.0f / s[i];
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i) yb[j * inner + i] *= s[i];
      }
    }
  });
}

// softmax: dx = y * (dy - sum_n(dy * y)); log-softmax: dx = dy - exp(y) * sum_n(dy).
void softmax_strided_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner, bool log, bool acc,
                              int threads) {
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n * inner, 1));
  for_range(outer, grain, threads, [&](int64_t b, int64_t e) {
    std::vector<float> dot(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; ++o) {
      const float* yb = y + o * n * inner;
      const float* gb = dy + o * n * inner;
      float* db = dx + o * n * inner;
      std::fill(dot.begin(), dot.end(), 0.0f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) dot[i] += log ? gb[j * inner + i] : gb[j * inner + i] * yb[j * inner + i];
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t k = j * inner + i;
          const float g = log ? gb[k] - std::exp(yb[k]) * dot[i] : yb[k] * (gb[k] - dot[i]);
          db[k] = acc ? db[k] + g : g;
        }
    }
  });
}

// bufs [x, y]; ints [outer, n, inner, log] (sizes may be batch-relative)
void softmax_fwd(plan::Plan& p, const plan::Instr& in) {
  const SoftmaxAxis ax = read_softmax_axis(p, in);
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  if (ax.empty()) return;
  if (ax.inner == 1) {
    softmax_rows(x, y, ax.outer, ax.n, ax.log, p.threads);
  } else {
    softmax_strided(x, y, ax.outer, ax.n, ax.inner, ax.log, p.threads);
  }
}

// bufs [y, dy, dx]; ints [outer, n, inner, log, accumulate]
void softmax_bwd(plan::Plan& p, const plan::Instr& in) {
  const SoftmaxAxis ax = read_softmax_axis(p, in);
  const bool acc = in.ints.at(4) != 0;
  const float* y = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  if (ax.empty()) return;
  if (ax.inner == 1) {
    softmax_rows_backward(y, dy, dx, ax.outer, ax.n, ax.log, acc, p.threads);
  } else {
    softmax_strided_backward(y, dy, dx, ax.outer, ax.n, ax.inner, ax.log, acc, p.threads);
  }
}

STRATA_KERNEL("softmax_fwd", softmax_fwd);
STRATA_KERNEL("softmax_bwd", softmax_bwd);

}  // namespace
}  // namespace strata::kernels
