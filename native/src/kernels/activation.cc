// Activation kernels: act_fwd / act_bwd (an Activation layer, or an activation not fused
// into the layer before it) and the row-wise softmax they share with losses.
#include "activation.h"

#include <cmath>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n, bool log, int threads) {
  for_rows(rows, n, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      float m = xr[0];
      for (int64_t j = 1; j < n; ++j) m = std::max(m, xr[j]);
      float s = 0.0f;
      if (log) {
        for (int64_t j = 0; j < n; ++j) s += std::exp(xr[j] - m);
        const float lse = m + std::log(s);
        for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] - lse;
      } else {
        for (int64_t j = 0; j < n; ++j) s += (yr[j] = std::exp(xr[j] - m));
        const float inv = 1.0f / s;
        for (int64_t j = 0; j < n; ++j) yr[j] *= inv;
      }
    }
  });
}

void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log, bool accumulate,
                           int threads) {
  for_rows(rows, n, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = y + r * n;
      const float* dyr = dy + r * n;
      float* dxr = dx + r * n;
      float dot = 0.0f;
      if (log) {
        for (int64_t j = 0; j < n; ++j) dot += dyr[j];
        for (int64_t j = 0; j < n; ++j) {
          const float g = dyr[j] - std::exp(yr[j]) * dot;
          dxr[j] = accumulate ? dxr[j] + g : g;
        }
      } else {
        for (int64_t j = 0; j < n; ++j) dot += dyr[j] * yr[j];
        for (int64_t j = 0; j < n; ++j) {
          const float g = yr[j] * (dyr[j] - dot);
          dxr[j] = accumulate ? dxr[j] + g : g;
        }
      }
    }
  });
}

void activate(int64_t act, const float* x, float* y, int64_t n, int64_t cols, int threads) {
  if (is_row_wise(act)) {
    softmax_rows(x, y, n / cols, cols, act == kLogSoftmax, threads);
    return;
  }
  if (act == kLinear) {
    if (x != y) for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) { std::copy(x + b, x + e, y + b); });
    return;
  }
  with_act(act, [&](auto a) {
    for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = act_forward(a, x[i]);
    });
  });
}

void activate_backward(int64_t act, const float* x, const float* y, const float* dy, float* dx, int64_t n, int64_t cols,
                       bool accumulate, int threads) {
  if (is_row_wise(act)) {
    softmax_rows_backward(y, dy, dx, n / cols, cols, act == kLogSoftmax, accumulate, threads);
    return;
  }
  with_act(act, [&](auto a) {
    // Only the activations that need their input read x; the others get y in its place.
    const float* in = needs_input(a) ? x : y;
    for_range(n, kElementGrain, threads, [&](int64_t b, int64_t e) {
      if (accumulate) {
        for (int64_t i = b; i < e; ++i) dx[i] += act_backward(a, in[i], y[i], dy[i]);
      } else {
        for (int64_t i = b; i < e; ++i) dx[i] = act_backward(a, in[i], y[i], dy[i]);
      }
    });
  });
}

namespace {

// bufs [x, y]; ints [act, cols]
void act_fwd(plan::Plan& p, const plan::Instr& in) {
  activate(in.ints[0], p.f32(in.bufs[0]), p.f32(in.bufs[1]), p.count(in.bufs[1]), in.ints[1], p.threads);
}

// bufs [x or -1, y, dy, dx]; ints [act, cols, accumulate]
void act_bwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = in.bufs[0] >= 0 ? p.f32(in.bufs[0]) : nullptr;
  activate_backward(in.ints[0], x, p.f32(in.bufs[1]), p.f32(in.bufs[2]), p.f32(in.bufs[3]), p.count(in.bufs[3]), in.ints[1],
                    in.ints[2] != 0, p.threads);
}

STRATA_KERNEL("act_fwd", act_fwd);
STRATA_KERNEL("act_bwd", act_bwd);

}  // namespace
}  // namespace strata::kernels
