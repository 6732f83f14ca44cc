// Depthwise convolutions (DepthwiseConv1D/2D, and the first half of SeparableConv1D/2D),
// channels_last, forward and backward side by side. Each input channel c has its own
// depth_multiplier filters: y[..., c * dm + m] = sum over the window of x[..., c] * W[k, c, m].
//
// There is no reduction over channels, so a GEMM does not help: these are direct loops
// whose innermost loop runs over the contiguous channels of one position (for dm == 1 an
// element-wise multiply-add that vectorizes). Every rank runs as 3-D with leading axes of 1.
//
//   forward:  split over output rows (sample, d, h);
//   dx:       gathered per input position (each input row sums the outputs whose window
//             covers it), so input rows split over threads without write conflicts;
//   dW:       each participant sums its output rows into a private dW, then they are added.
#include <algorithm>
#include <cstring>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "conv.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// ints [in d, h, w, channels, out d, h, w, depth multiplier, kernel d, h, w, strides d, h, w,
//       dilation d, h, w, padding before d, h, w]
constexpr size_t kGeomInts = 20;

struct Geom {
  int64_t in[3], c;
  int64_t out[3], dm;
  int64_t k[3], s[3], d[3], pad[3];

  int64_t in_pos() const { return in[0] * in[1] * in[2]; }
  int64_t out_pos() const { return out[0] * out[1] * out[2]; }
  int64_t cm() const { return c * dm; }
};

Geom parse_geom(const std::vector<int64_t>& v) {
  Geom g;
  for (int a = 0; a < 3; ++a) {
    g.in[a] = v[a];
    g.out[a] = v[4 + a];
    g.k[a] = v[8 + a];
    g.s[a] = v[11 + a];
    g.d[a] = v[14 + a];
    g.pad[a] = v[17 + a];
  }
  g.c = v[3];
  g.dm = v[7];
  return g;
}

// out[c * dm + m] += xin[c] * w[c * dm + m]
inline void madd(const float* xin, const float* w, float* out, int64_t c, int64_t dm) {
  if (dm == 1) {
    for (int64_t j = 0; j < c; ++j) out[j] += xin[j] * w[j];
    return;
  }
  for (int64_t j = 0; j < c; ++j) {
    const float v = xin[j];
    for (int64_t m = 0; m < dm; ++m) out[j * dm + m] += v * w[j * dm + m];
  }
}

// Calls fn(output position index, input position index, kernel position index) for every
// valid (output, tap) pair of output row (n, od, oh); positions are within the batch.
template <typename F>
void for_taps_of_row(const Geom& g, int64_t row, F&& fn) {
  const int64_t oh = row % g.out[1], od = (row / g.out[1]) % g.out[0], n = row / (g.out[1] * g.out[0]);
  for (int64_t ow = 0; ow < g.out[2]; ++ow) {
    const int64_t o = ((n * g.out[0] + od) * g.out[1] + oh) * g.out[2] + ow;
    for (int64_t kd = 0; kd < g.k[0]; ++kd) {
      const int64_t id = od * g.s[0] - g.pad[0] + kd * g.d[0];
      if (id < 0 || id >= g.in[0]) continue;
      for (int64_t kh = 0; kh < g.k[1]; ++kh) {
        const int64_t ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
        if (ih < 0 || ih >= g.in[1]) continue;
        for (int64_t kw = 0; kw < g.k[2]; ++kw) {
          const int64_t iw = ow * g.s[2] - g.pad[2] + kw * g.d[2];
          if (iw < 0 || iw >= g.in[2]) continue;
          fn(o, ((n * g.in[0] + id) * g.in[1] + ih) * g.in[2] + iw, (kd * g.k[1] + kh) * g.k[2] + kw);
        }
      }
    }
  }
}

// bufs [x, W, b or -1, z or -1, y]; ints [geometry (20), act]
void depthwise_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const float* x = p.f32(in.bufs[0]);
  const float* w = p.f32(in.bufs[1]);
  const float* b = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* z = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  float* y = p.f32(in.bufs[4]);
  const int64_t c = g.c, dm = g.dm, cm = g.cm();
  const int64_t batch = p.count(in.bufs[0]) / (g.in_pos() * c);
  const int64_t rows = batch * g.out[0] * g.out[1];
  float* pre = z ? z : y;
  for_rows(rows, g.out[2] * cm * g.k[0] * g.k[1] * g.k[2], p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = pre + r * g.out[2] * cm;
      std::fill(row, row + g.out[2] * cm, 0.0f);
      for_taps_of_row(g, r, [&](int64_t o, int64_t i, int64_t k) { madd(x + i * c, w + k * cm, pre + o * cm, c, dm); });
    }
  });
  bias_activation(pre, y, batch * g.out_pos(), cm, b, act, p.threads);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1]
// ints [geometry (20), act, accumulate dx, accumulate dW, accumulate db]
// dy is turned into dz in place (this layer's own gradient buffer, not read again).
void depthwise_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const bool acc_dx = in.ints[kGeomInts + 1] != 0, acc_dw = in.ints[kGeomInts + 2] != 0, acc_db = in.ints[kGeomInts + 3] != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* w = p.f32(in.bufs[1]);
  const float* z = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  const float* y = p.f32(in.bufs[3]);
  float* dz = p.f32(in.bufs[4]);
  float* dx = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  float* dw = in.bufs[6] >= 0 ? p.f32(in.bufs[6]) : nullptr;
  float* db = in.bufs[7] >= 0 ? p.f32(in.bufs[7]) : nullptr;
  const int64_t c = g.c, dm = g.dm, cm = g.cm(), kp = g.k[0] * g.k[1] * g.k[2];
  const int64_t batch = p.count(in.bufs[0]) / (g.in_pos() * c);
  const int64_t out_rows = batch * g.out[0] * g.out[1];

  activation_bias_backward(act, z, y, dz, batch * g.out_pos(), cm, db, acc_db, p.threads);

  if (dw) {
    // Private sums per participant, enough output rows each that the reduction pays off.
    const int64_t per_row = g.out[2] * cm * kp;
    const int64_t min_rows = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(per_row, 1));
    const int parts = static_cast<int>(std::clamp<int64_t>(out_rows / min_rows, 1, std::max(p.threads, 1)));
    std::vector<float> partial(static_cast<size_t>(parts) * kp * cm, 0.0f);
    cpu::parallel_run(parts, [&](int tid, int nt) {
      float* acc = partial.data() + static_cast<size_t>(tid) * kp * cm;
      for (int64_t r = out_rows * tid / nt; r < out_rows * (tid + 1) / nt; ++r) {
        for_taps_of_row(g, r, [&](int64_t o, int64_t i, int64_t k) {
          const float* xin = x + i * c;
          const float* d = dz + o * cm;
          float* out = acc + k * cm;
          if (dm == 1) {
            for (int64_t j = 0; j < c; ++j) out[j] += xin[j] * d[j];
          } else {
            for (int64_t j = 0; j < c; ++j)
              for (int64_t m = 0; m < dm; ++m) out[j * dm + m] += xin[j] * d[j * dm + m];
          }
        });
      }
    });
    if (!acc_dw) std::fill(dw, dw + kp * cm, 0.0f);
    for (int t = 0; t < parts; ++t) {
      const float* acc = partial.data() + static_cast<size_t>(t) * kp * cm;
      for (int64_t j = 0; j < kp * cm; ++j) dw[j] += acc[j];
    }
  }

  if (dx) {
    // dx[i, c] = sum over taps k and multipliers m of dz[o(i, k), c * dm + m] * W[k, c, m],
    // where o(i, k) = (i + pad - k * dilation) / stride must be a whole output position.
    const int64_t in_rows = batch * g.in[0] * g.in[1];
    for_rows(in_rows, g.in[2] * cm * kp, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t ih = r % g.in[1], id = (r / g.in[1]) % g.in[0], n = r / (g.in[1] * g.in[0]);
        for (int64_t iw = 0; iw < g.in[2]; ++iw) {
          float* sum = dx + (r * g.in[2] + iw) * c;
          if (!acc_dx) std::fill(sum, sum + c, 0.0f);
          for (int64_t kd = 0; kd < g.k[0]; ++kd) {
            const int64_t td = id + g.pad[0] - kd * g.d[0];
            if (td < 0 || td % g.s[0] != 0 || td / g.s[0] >= g.out[0]) continue;
            for (int64_t kh = 0; kh < g.k[1]; ++kh) {
              const int64_t th = ih + g.pad[1] - kh * g.d[1];
              if (th < 0 || th % g.s[1] != 0 || th / g.s[1] >= g.out[1]) continue;
              for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                const int64_t tw = iw + g.pad[2] - kw * g.d[2];
                if (tw < 0 || tw % g.s[2] != 0 || tw / g.s[2] >= g.out[2]) continue;
                const int64_t o = ((n * g.out[0] + td / g.s[0]) * g.out[1] + th / g.s[1]) * g.out[2] + tw / g.s[2];
                const float* d = dz + o * cm;
                const float* wk = w + ((kd * g.k[1] + kh) * g.k[2] + kw) * cm;
                if (dm == 1) {
                  for (int64_t j = 0; j < c; ++j) sum[j] += d[j] * wk[j];
                } else {
                  for (int64_t j = 0; j < c; ++j) {
                    float s = 0.0f;
                    for (int64_t m = 0; m < dm; ++m) s += d[j * dm + m] * wk[j * dm + m];
                    sum[j] += s;
                  }
                }
              }
            }
          }
        }
      }
    });
  }
}

STRATA_KERNEL("depthwise_fwd", depthwise_fwd);
STRATA_KERNEL("depthwise_bwd", depthwise_bwd);

}  // namespace
}  // namespace strata::kernels
