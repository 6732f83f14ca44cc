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
#include "layer_bufs.h"
#include "parallel.h"
#include "window.h"

namespace strata::kernels {
namespace {

// ints [window (20, see window.h)]: big = the input, small = the output; channels at 3,
// the depth multiplier at 7.
constexpr size_t kGeomInts = kWindowInts;

struct Geom : Window<int64_t> {
  int64_t c, dm;

  int64_t cm() const { return c * dm; }
};

Geom parse_geom(const std::vector<int64_t>& v) {
  Geom g;
  read_window(v, g);
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
  const int64_t oh = row % g.small[1], od = (row / g.small[1]) % g.small[0], n = row / (g.small[1] * g.small[0]);
  for (int64_t ow = 0; ow < g.small[2]; ++ow) {
    const int64_t o = ((n * g.small[0] + od) * g.small[1] + oh) * g.small[2] + ow;
    for_window_taps(g, od, oh, ow, [&](int64_t id, int64_t ih, int64_t iw, int64_t k) {
      fn(o, ((n * g.big[0] + id) * g.big[1] + ih) * g.big[2] + iw, k);
    });
  }
}

// bufs [x, W, b or -1, z or -1, y]; ints [geometry (20), act]
void depthwise_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerForward io = layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int64_t c = g.c, dm = g.dm, cm = g.cm();
  const int64_t batch = p.count(in.bufs[0]) / (g.big_pos() * c);
  const int64_t rows = batch * g.small[0] * g.small[1];
  float* pre = z ? z : y;
  for_rows(rows, g.small[2] * cm * g.k[0] * g.k[1] * g.k[2], p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = pre + r * g.small[2] * cm;
      std::fill(row, row + g.small[2] * cm, 0.0f);
      for_taps_of_row(g, r, [&](int64_t o, int64_t i, int64_t k) { madd(x + i * c, w + k * cm, pre + o * cm, c, dm); });
    }
  });
  bias_activation(pre, y, batch * g.small_pos(), cm, b, act, p.threads);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1]
// ints [geometry (20), act, accumulate dx, accumulate dW, accumulate db]
// dy is turned into dz in place (this layer's own gradient buffer, not read again).
void depthwise_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerAccumulate accum = layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const LayerBackward io = layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int64_t c = g.c, dm = g.dm, cm = g.cm(), kp = g.kpos();
  const int64_t batch = p.count(in.bufs[0]) / (g.big_pos() * c);
  const int64_t out_rows = batch * g.small[0] * g.small[1];

  activation_bias_backward(act, z, y, dz, batch * g.small_pos(), cm, db, acc_db, p.threads);

  if (dw) {
    // Private sums per participant, enough output rows each that the reduction pays off.
    const int64_t per_row = g.small[2] * cm * kp;
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
    const int64_t in_rows = batch * g.big[0] * g.big[1];
    for_rows(in_rows, g.big[2] * cm * kp, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t ih = r % g.big[1], id = (r / g.big[1]) % g.big[0], n = r / (g.big[1] * g.big[0]);
        for (int64_t iw = 0; iw < g.big[2]; ++iw) {
          float* sum = dx + (r * g.big[2] + iw) * c;
          if (!acc_dx) std::fill(sum, sum + c, 0.0f);
          const float* dn = dz + n * g.small_pos() * cm;
          for_covering_taps(g, id, ih, iw, [&](int64_t o, int64_t k) {
            const float* d = dn + o * cm;
            const float* wk = w + k * cm;
            if (dm == 1) {
              for (int64_t j = 0; j < c; ++j) sum[j] += d[j] * wk[j];
            } else {
              for (int64_t j = 0; j < c; ++j) {
                float s = 0.0f;
                for (int64_t m = 0; m < dm; ++m) s += d[j * dm + m] * wk[j * dm + m];
                sum[j] += s;
              }
            }
          });
        }
      }
    });
  }
}

STRATA_KERNEL("depthwise_fwd", depthwise_fwd);
STRATA_KERNEL("depthwise_bwd", depthwise_bwd);

}  // namespace
}  // namespace strata::kernels
