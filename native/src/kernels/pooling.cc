// Pooling: max and average over sliding windows in up to three spatial dimensions, and
// global pooling (a window that covers the whole input), with their backward passes; and the
// masked global average over steps.
//
// Layout. Every pooled tensor is seen as [outer, D, H, W, inner]:
//   channels_last  (N, D, H, W, C): outer = N,     inner = C
//   channels_first (N, C, D, H, W): outer = N * C, inner = 1
// 1D and 2D pooling are 3D pooling with leading spatial sizes of 1 (window 1, stride 1).
// With channels_last the innermost loops run over the C contiguous channels of one
// position, which the compiler vectorizes.
//
// Padding ('same') follows TensorFlow: the window of output o starts at o * stride - pad.
// Padded positions never take part: max ignores them and average divides by the number of
// valid positions in the window (what Keras' 'same' average pooling does).
//
// Max pooling remembers, for each output value, the position (d * H + h) * W + w inside its
// [D, H, W] plane that won (the first maximum, as TensorFlow picks). It goes to a batched
// int32 scratch buffer the size of the output, written only when the step needs the input
// gradient. Storing it costs one int per output (a fraction 1/window of the input); the
// alternative, recomputing each window's argmax in backward, would read the whole input
// again and repeat the comparisons.
//
// Backward, channels_last (inner > 1): a gather, not a scatter: each input position sums
// the gradients of the outputs whose windows cover it, vectorized over the channels.
// Windows may overlap (stride < pool size), and a gather lets every thread own the input
// rows it writes, with no atomics and no separate zeroing pass; every input position is
// written (zero when no window covers it). Channels_first (inner == 1) has one value per
// position, too little to pay for that bookkeeping: tasks own whole [D, H, W] planes and
// scatter into them (max: one add per output, at its argmax).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

enum PoolMode : int64_t { kMax = 0, kAverage = 1 };

// One spatial axis: sizes, and for each output the valid input range of its window, and
// for each input the range of outputs whose windows cover it.
struct Axis {
  int64_t in = 1, out = 1, k = 1, s = 1, pad = 0;
  std::vector<int64_t> w0, w1;  // per output: valid window [w0, w1) in input coordinates
  std::vector<int64_t> o0, o1;  // per input: covering outputs [o0, o1)

  void init(int64_t in_, int64_t out_, int64_t k_, int64_t s_, int64_t pad_) {
    in = in_, out = out_, k = k_, s = s_, pad = pad_;
    w0.resize(out), w1.resize(out);
    o0.assign(in, out), o1.assign(in, 0);
    for (int64_t o = 0; o < out; ++o) {
      const int64_t start = o * s - pad;
      w0[o] = std::max<int64_t>(start, 0);
      w1[o] = std::min<int64_t>(start + k, in);
      // Window starts grow with o, so the outputs covering an input form one range.
      for (int64_t i = w0[o]; i < w1[o]; ++i) {
        o0[i] = std::min(o0[i], o);
        o1[i] = std::max(o1[i], o + 1);
      }
    }
    for (int64_t i = 0; i < in; ++i)
      if (o1[i] <= o0[i]) o0[i] = o1[i] = 0;  // in a gap between windows: no gradient
  }
  int64_t count(int64_t o) const { return w1[o] - w0[o]; }
};

// ints [mode, inner, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, ...]
struct Geometry {
  int64_t mode, inner;
  Axis d, h, w;
  explicit Geometry(const plan::Instr& in) : mode(in.ints[0]), inner(in.ints[1]) {
    const auto& v = in.ints;
    d.init(v[2], v[5], v[8], v[11], v[14]);
    h.init(v[3], v[6], v[9], v[12], v[15]);
    w.init(v[4], v[7], v[10], v[13], v[16]);
  }
  int64_t in_plane() const { return d.in * h.in * w.in; }
  int64_t out_plane() const { return d.out * h.out * w.out; }
};

// channels_first forward (inner == 1): one value per position, too few to vectorize over.
// Instead each output row (outer, od, oh) is computed at once: for every input row of the
// window and every column offset kw of the window, one sweep over the row's outputs,
// y[ow] = max(y[ow], x[ow * stride - pad + kw]) (or +=). The window is still scanned in
// row-major order for each output, so the first maximum wins as in the channels_last loop.
void pool_fwd_rows(plan::Plan& p, const Geometry& g, const float* x, float* y, int32_t* arg, int64_t outer) {
  const int64_t IH = g.h.in, IW = g.w.in, OW = g.w.out, S = g.w.s, P = g.w.pad;
  const int64_t rows = outer * g.d.out * g.h.out;
  for_rows(rows, OW * g.d.k * g.h.k * g.w.k, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t oh = r % g.h.out, od = (r / g.h.out) % g.d.out, n = r / (g.h.out * g.d.out);
      const float* xn = x + n * g.in_plane();
      float* yr = y + r * OW;
      int32_t* ar = arg ? arg + r * OW : nullptr;
      if (g.mode == kMax) {
        std::fill(yr, yr + OW, -std::numeric_limits<float>::infinity());
        if (ar) {
          const int64_t first_row = (g.d.w0[od] * IH + g.h.w0[oh]) * IW;
          for (int64_t ow = 0; ow < OW; ++ow) ar[ow] = static_cast<int32_t>(first_row + g.w.w0[ow]);
        }
      } else {
        std::fill(yr, yr + OW, 0.0f);
      }
      for (int64_t id = g.d.w0[od]; id < g.d.w1[od]; ++id)
        for (int64_t ih = g.h.w0[oh]; ih < g.h.w1[oh]; ++ih) {
          const int64_t base = (id * IH + ih) * IW;
          const float* xr = xn + base;
          for (int64_t kw = 0; kw < g.w.k; ++kw) {
            // Outputs whose window column kw falls inside the row: 0 <= ow * S - P + kw < IW.
            const int64_t lo = P - kw > 0 ? (P - kw + S - 1) / S : 0;
            const int64_t hi = IW - 1 + P - kw < 0 ? 0 : std::min(OW, (IW - 1 + P - kw) / S + 1);
            const float* xk = xr - P + kw;
            if (g.mode != kMax) {
              for (int64_t ow = lo; ow < hi; ++ow) yr[ow] += xk[ow * S];
            } else if (ar) {
              const int32_t at0 = static_cast<int32_t>(base - P + kw);
              for (int64_t ow = lo; ow < hi; ++ow) {
                const float v = xk[ow * S], best = yr[ow];
                const int32_t gt = -static_cast<int32_t>(v > best);
                yr[ow] = v > best ? v : best;
                ar[ow] = ((at0 + static_cast<int32_t>(ow * S)) & gt) | (ar[ow] & ~gt);
              }
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) yr[ow] = std::max(yr[ow], xk[ow * S]);
            }
          }
        }
      if (g.mode != kMax) {
        const float dh = static_cast<float>(g.d.count(od) * g.h.count(oh));
        for (int64_t ow = 0; ow < OW; ++ow) yr[ow] /= dh * static_cast<float>(g.w.count(ow));
      }
    }
  });
}

// bufs [x, y, argmax or -1]; ints [mode, inner, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW]
// Each task computes whole output rows (outer, od, oh): OW * inner values.
void pool_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geometry g(in);
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  int32_t* arg = in.bufs[2] >= 0 ? p.i32(in.bufs[2]) : nullptr;
  const int64_t C = g.inner, IH = g.h.in, IW = g.w.in;
  const int64_t outer = p.count(in.bufs[0]) / (g.in_plane() * C);
  if (C == 1) {
    pool_fwd_rows(p, g, x, y, arg, outer);
    return;
  }
  const int64_t rows = outer * g.d.out * g.h.out;
  const int64_t work = g.w.out * C * g.d.k * g.h.k * g.w.k;
  for_rows(rows, work, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t oh = r % g.h.out, od = (r / g.h.out) % g.d.out, n = r / (g.h.out * g.d.out);
      const float* xn = x + n * g.in_plane() * C;
      for (int64_t ow = 0; ow < g.w.out; ++ow) {
        const int64_t o = r * g.w.out + ow;  // output position in [outer, OD, OH, OW]
        float* yo = y + o * C;
        if (g.mode == kMax) {
          int32_t* ao = arg ? arg + o * C : nullptr;
          std::fill(yo, yo + C, -std::numeric_limits<float>::infinity());
          if (ao) std::fill(ao, ao + C, static_cast<int32_t>((g.d.w0[od] * IH + g.h.w0[oh]) * IW + g.w.w0[ow]));
          for (int64_t id = g.d.w0[od]; id < g.d.w1[od]; ++id)
            for (int64_t ih = g.h.w0[oh]; ih < g.h.w1[oh]; ++ih)
              for (int64_t iw = g.w.w0[ow]; iw < g.w.w1[ow]; ++iw) {
                const int32_t idx = static_cast<int32_t>((id * IH + ih) * IW + iw);
                const float* xi = xn + idx * C;
                if (ao) {
                  // Strictly greater: the first maximum wins, as in TensorFlow. Both values
                  // are loaded unconditionally and selected with a mask, so that the loop
                  // vectorizes (a conditional load or store would keep it scalar).
                  for (int64_t c = 0; c < C; ++c) {
                    const float v = xi[c], best = yo[c];
                    const int32_t gt = -static_cast<int32_t>(v > best);
                    yo[c] = v > best ? v : best;
                    ao[c] = (idx & gt) | (ao[c] & ~gt);
                  }
                } else {
                  for (int64_t c = 0; c < C; ++c) yo[c] = std::max(yo[c], xi[c]);
                }
              }
        } else {
          std::fill(yo, yo + C, 0.0f);
          for (int64_t id = g.d.w0[od]; id < g.d.w1[od]; ++id)
            for (int64_t ih = g.h.w0[oh]; ih < g.h.w1[oh]; ++ih) {
              const float* xr = xn + (id * IH + ih) * IW * C;
              for (int64_t iw = g.w.w0[ow]; iw < g.w.w1[ow]; ++iw)
                for (int64_t c = 0; c < C; ++c) yo[c] += xr[iw * C + c];
            }
          // Divide by the valid positions only ('same' padding does not count).
          const float inv = 1.0f / static_cast<float>(g.d.count(od) * g.h.count(oh) * g.w.count(ow));
          for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
        }
      }
    }
  });
}

// channels_first backward (inner == 1): one value per position, so the gather's
// per-position bookkeeping would cost more than the arithmetic. Each task owns whole
// [D, H, W] planes and scatters into them instead: max sends dy[o] to its argmax (one add
// per output), average spreads dy[o] / count(o) over the window.
void pool_bwd_planes(plan::Plan& p, const Geometry& g, const float* dy, const int32_t* arg, float* dx, int64_t planes, bool acc) {
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane(), IH = g.h.in, IW = g.w.in;
  for_rows(planes, in_plane + out_plane * (g.mode == kMax ? 1 : g.d.k * g.h.k * g.w.k), p.threads, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      float* dxn = dx + n * in_plane;
      const float* dyn = dy + n * out_plane;
      if (!acc) std::fill(dxn, dxn + in_plane, 0.0f);
      if (g.mode == kMax) {
        const int32_t* an = arg + n * out_plane;
        for (int64_t o = 0; o < out_plane; ++o) dxn[an[o]] += dyn[o];
        continue;
      }
      int64_t o = 0;
      for (int64_t od = 0; od < g.d.out; ++od)
        for (int64_t oh = 0; oh < g.h.out; ++oh)
          for (int64_t ow = 0; ow < g.w.out; ++ow, ++o) {
            const float v = dyn[o] / static_cast<float>(g.d.count(od) * g.h.count(oh) * g.w.count(ow));
            for (int64_t id = g.d.w0[od]; id < g.d.w1[od]; ++id)
              for (int64_t ih = g.h.w0[oh]; ih < g.h.w1[oh]; ++ih) {
                float* row = dxn + (id * IH + ih) * IW;
                for (int64_t iw = g.w.w0[ow]; iw < g.w.w1[ow]; ++iw) row[iw] += v;
              }
          }
    }
  });
}

// bufs [dy, argmax or -1 (average), dx]; ints [mode, inner, ID..PW (as pool_fwd), accumulate]
// dx[i] = sum over outputs o covering i of: dy[o] if argmax[o] == i (max), dy[o] / count(o) (average).
void pool_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geometry g(in);
  const bool acc = in.ints[17] != 0;
  const float* dy = p.f32(in.bufs[0]);
  const int32_t* arg = in.bufs[1] >= 0 ? p.i32(in.bufs[1]) : nullptr;
  float* dx = p.f32(in.bufs[2]);
  const int64_t C = g.inner, IH = g.h.in, IW = g.w.in, OH = g.h.out, OW = g.w.out;
  const int64_t outer = p.count(in.bufs[2]) / (g.in_plane() * C);
  if (C == 1) {
    pool_bwd_planes(p, g, dy, arg, dx, outer, acc);
    return;
  }
  const int64_t rows = outer * g.d.in * g.h.in;
  const int64_t per_in = std::max<int64_t>(1, (g.d.k / g.d.s + 1) * (g.h.k / g.h.s + 1) * (g.w.k / g.w.s + 1));
  for_rows(rows, IW * C * per_in, p.threads, [&](int64_t r0, int64_t r1) {
    std::vector<float> acc_row(static_cast<size_t>(C));
    float* s = acc_row.data();
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ih = r % IH, id = (r / IH) % g.d.in, n = r / (IH * g.d.in);
      const int64_t out_base = n * g.out_plane();
      for (int64_t iw = 0; iw < IW; ++iw) {
        std::fill(s, s + C, 0.0f);
        const int32_t idx = static_cast<int32_t>((id * IH + ih) * IW + iw);
        for (int64_t od = g.d.o0[id]; od < g.d.o1[id]; ++od)
          for (int64_t oh = g.h.o0[ih]; oh < g.h.o1[ih]; ++oh)
            for (int64_t ow = g.w.o0[iw]; ow < g.w.o1[iw]; ++ow) {
              const int64_t o = out_base + (od * OH + oh) * OW + ow;
              const float* dyo = dy + o * C;
              if (g.mode == kMax) {
                const int32_t* ao = arg + o * C;
                // Masked add with unconditional loads (vectorizes; a conditional load does not).
                for (int64_t c = 0; c < C; ++c) {
                  const float grad = dyo[c];
                  s[c] += ao[c] == idx ? grad : 0.0f;
                }
              } else {
                const float inv = 1.0f / static_cast<float>(g.d.count(od) * g.h.count(oh) * g.w.count(ow));
                for (int64_t c = 0; c < C; ++c) s[c] += dyo[c] * inv;
              }
            }
        float* dxi = dx + (r * IW + iw) * C;
        if (acc) {
          for (int64_t c = 0; c < C; ++c) dxi[c] += s[c];
        } else {
          std::copy(s, s + C, dxi);
        }
      }
    }
  });
}

// ---- masked global average pooling over steps (GlobalAveragePooling1D with a mask) ---------------
//
// x is [B, T, C] (channels_last) or [B, C, T] (channels_first), the mask [B, T]. Each output is
// the mean over the steps the mask keeps, as Keras computes it: sum(where(mask, x, 0)) /
// sum(mask), so a sample with no kept step gets 0 / 0 (NaN), and a masked step's value never
// reaches the output (nor, in backward, gets a gradient).

struct MaskedSteps {
  int64_t T, C;
  bool channels_first;
  explicit MaskedSteps(const plan::Instr& in) : T(in.ints[0]), C(in.ints[1]), channels_first(in.ints[2] != 0) {}
  int64_t at(int64_t b, int64_t t, int64_t c) const { return channels_first ? (b * C + c) * T + t : (b * T + t) * C + c; }
  float kept(const float* mask, int64_t b) const {
    float n = 0.0f;
    for (int64_t t = 0; t < T; ++t) n += mask[b * T + t] != 0.0f ? 1.0f : 0.0f;
    return n;
  }
};

// bufs [x, mask, y]; ints [steps, channels, channels_first]
void masked_average_fwd(plan::Plan& p, const plan::Instr& in) {
  const MaskedSteps g(in);
  const float* x = p.f32(in.bufs[0]);
  const float* mask = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  const int64_t batch = p.count(in.bufs[1]) / std::max<int64_t>(g.T, 1);
  for_rows(batch, g.T * g.C, p.threads, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      float* yb = y + b * g.C;
      std::fill(yb, yb + g.C, 0.0f);
      for (int64_t t = 0; t < g.T; ++t) {
        if (mask[b * g.T + t] == 0.0f) continue;
        for (int64_t c = 0; c < g.C; ++c) yb[c] += x[g.at(b, t, c)];
      }
      const float n = g.kept(mask, b);
      for (int64_t c = 0; c < g.C; ++c) yb[c] /= n;
    }
  });
}

// bufs [mask, dy, dx]; ints [steps, channels, channels_first, accumulate]
// dx[b, t, c] = dy[b, c] / kept(b) at kept steps, 0 at masked ones.
void masked_average_bwd(plan::Plan& p, const plan::Instr& in) {
  const MaskedSteps g(in);
  const bool acc = in.ints[3] != 0;
  const float* mask = p.f32(in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  const int64_t batch = p.count(in.bufs[0]) / std::max<int64_t>(g.T, 1);
  for_rows(batch, g.T * g.C, p.threads, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const float n = g.kept(mask, b);
      for (int64_t t = 0; t < g.T; ++t) {
        const bool keep = mask[b * g.T + t] != 0.0f;
        for (int64_t c = 0; c < g.C; ++c) {
          const float v = keep ? dy[b * g.C + c] / n : 0.0f;
          float& d = dx[g.at(b, t, c)];
          d = acc ? d + v : v;
        }
      }
    }
  });
}

STRATA_KERNEL("pool_fwd", pool_fwd);
STRATA_KERNEL("pool_bwd", pool_bwd);
STRATA_KERNEL("masked_average_fwd", masked_average_fwd);
STRATA_KERNEL("masked_average_bwd", masked_average_bwd);

}  // namespace
}  // namespace strata::kernels
