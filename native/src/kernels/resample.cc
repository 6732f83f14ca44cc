// Kernels that move values around without weights: nearest and bilinear upsampling, zero
// padding and cropping. Each forward sits next to its backward. (Axis permutations are
// the transpose of layout.cc.)
//
// Spatial kernels see a tensor as [outer, D, H, W, inner] (see pooling.cc):
//   channels_last  (N, D, H, W, C): outer = N,     inner = C
//   channels_first (N, C, D, H, W): outer = N * C, inner = 1
// and 1D/2D data as 3D data with leading sizes of 1. `outer` comes from the buffer's
// current element count, so the last, smaller batch of an epoch needs no other plan.
//
// The copies move raw 32-bit values, so they also serve int32 tensors (ZeroPadding
// of indices); only backward passes do arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../plan/plan.h"
#include "parallel.h"
#include "resample.h"

namespace strata::kernels {
namespace {

inline void put(float* dst, const float* src, int64_t n, bool accumulate) {
  if (accumulate) {
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
  } else {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  }
}

// ---- nearest upsampling (UpSampling1D/2D/3D 'nearest', RepeatVector) ---------------------
// Output position (od, oh, ow) reads input (od / FD, oh / FH, ow / FW). RepeatVector is the
// case D = H = W = 1, FW = n, inner = features.

// bufs [x, y]; ints [inner, ID, IH, IW, FD, FH, FW]
void upsample_nearest_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], ID = in.ints[1], IH = in.ints[2], IW = in.ints[3];
  const int64_t FD = in.ints[4], FH = in.ints[5], FW = in.ints[6];
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[0]) / (ID * IH * IW * C);
  const int64_t OD = ID * FD, OH = IH * FH, OW = IW * FW;
  // One task per output row (n, od, oh); it copies from input row (n, od / FD, oh / FH).
  for_rows(outer * OD * OH, OW * C, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t oh = r % OH, od = (r / OH) % OD, n = r / (OH * OD);
      const float* xr = x + ((n * ID + od / FD) * IH + oh / FH) * IW * C;
      float* yr = y + r * OW * C;
      if (C == 1) {
        for (int64_t ow = 0; ow < OW; ++ow) yr[ow] = xr[ow / FW];
      } else {
        for (int64_t iw = 0; iw < IW; ++iw)
          for (int64_t k = 0; k < FW; ++k) std::memcpy(yr + (iw * FW + k) * C, xr + iw * C, static_cast<size_t>(C) * sizeof(float));
      }
    }
  });
}

// bufs [dy, dx]; ints [inner, ID, IH, IW, FD, FH, FW, accumulate]
// dx at an input position is the sum of dy over the FD x FH x FW block it was copied to.
void upsample_nearest_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], ID = in.ints[1], IH = in.ints[2], IW = in.ints[3];
  const int64_t FD = in.ints[4], FH = in.ints[5], FW = in.ints[6];
  const bool acc = in.ints[7] != 0;
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[1]) / (ID * IH * IW * C);
  const int64_t OD = ID * FD, OH = IH * FH, OW = IW * FW;
  for_rows(outer * ID * IH, IW * C * FD * FH * FW, p.threads, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(static_cast<size_t>(IW * C));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ih = r % IH, id = (r / IH) % ID, n = r / (IH * ID);
      std::fill(row.begin(), row.end(), 0.0f);
      for (int64_t a = 0; a < FD; ++a)
        for (int64_t b = 0; b < FH; ++b) {
          const float* dyr = dy + ((n * OD + id * FD + a) * OH + ih * FH + b) * OW * C;
          if (C == 1) {
            for (int64_t iw = 0; iw < IW; ++iw)
              for (int64_t k = 0; k < FW; ++k) row[iw] += dyr[iw * FW + k];
          } else {
            for (int64_t iw = 0; iw < IW; ++iw)
              for (int64_t k = 0; k < FW; ++k) {
                const float* src = dyr + (iw * FW + k) * C;
                float* s = row.data() + iw * C;
                for (int64_t c = 0; c < C; ++c) s[c] += src[c];
              }
          }
        }
      put(dx + r * IW * C, row.data(), IW * C, acc);
    }
  });
}

// ---- bilinear upsampling (UpSampling2D interpolation='bilinear') ------------------------
// Half-pixel centers, as Keras 3 resizes: see lerp_at in resample.h.

// Per axis, the two source indices and the weight of the upper one (resample.h's lerp_at),
// computed once.
struct LerpTable {
  std::vector<int64_t> lo, hi;
  std::vector<float> t;  // weight of hi
  LerpTable(int64_t in, int64_t out) : lo(out), hi(out), t(out) {
    for (int64_t o = 0; o < out; ++o) {
      const Lerp l = lerp_at(o, in, out);
      lo[o] = l.lo, hi[o] = l.hi, t[o] = l.t;
    }
  }
};

// bufs [x, y]; ints [inner, IH, IW, OH, OW]
void upsample_bilinear_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], IH = in.ints[1], IW = in.ints[2], OH = in.ints[3], OW = in.ints[4];
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[0]) / (IH * IW * C);
  const LerpTable lh(IH, OH), lw(IW, OW);
  for_rows(outer * OH, OW * C * 4, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t oh = r % OH, n = r / OH;
      const float* top = x + (n * IH + lh.lo[oh]) * IW * C;
      const float* bot = x + (n * IH + lh.hi[oh]) * IW * C;
      const float th = lh.t[oh];
      float* yr = y + r * OW * C;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const float tw = lw.t[ow];
        const float* a = top + lw.lo[ow] * C;
        const float* b = top + lw.hi[ow] * C;
        const float* c0 = bot + lw.lo[ow] * C;
        const float* d = bot + lw.hi[ow] * C;
        float* yo = yr + ow * C;
        for (int64_t c = 0; c < C; ++c) {
          const float up = a[c] + (b[c] - a[c]) * tw;
          const float down = c0[c] + (d[c] - c0[c]) * tw;
          yo[c] = up + (down - up) * th;
        }
      }
    }
  });
}

// bufs [dy, dx]; ints [inner, IH, IW, OH, OW, accumulate]
// Each output spreads its gradient over its four sources with the forward's weights. The
// sources of nearby outputs overlap, so this is a scatter within one [H, W, inner] plane;
// tasks own whole planes (one sample, or one sample-channel for channels_first).
void upsample_bilinear_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], IH = in.ints[1], IW = in.ints[2], OH = in.ints[3], OW = in.ints[4];
  const bool acc = in.ints[5] != 0;
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[1]) / (IH * IW * C);
  const LerpTable lh(IH, OH), lw(IW, OW);
  for_rows(outer, OH * OW * C * 4, p.threads, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      float* dxn = dx + n * IH * IW * C;
      if (!acc) std::fill(dxn, dxn + IH * IW * C, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* top = dxn + lh.lo[oh] * IW * C;
        float* bot = dxn + lh.hi[oh] * IW * C;
        const float th = lh.t[oh];
        const float* dyr = dy + (n * OH + oh) * OW * C;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float tw = lw.t[ow];
          const float wa = (1 - th) * (1 - tw), wb = (1 - th) * tw, wc = th * (1 - tw), wd = th * tw;
          float* a = top + lw.lo[ow] * C;
          float* b = top + lw.hi[ow] * C;
          float* c0 = bot + lw.lo[ow] * C;
          float* d = bot + lw.hi[ow] * C;
          const float* g = dyr + ow * C;
          // Sequential on purpose: a, b, c0, d may be the same position at the edges.
          for (int64_t c = 0; c < C; ++c) a[c] += wa * g[c];
          for (int64_t c = 0; c < C; ++c) b[c] += wb * g[c];
          for (int64_t c = 0; c < C; ++c) c0[c] += wc * g[c];
          for (int64_t c = 0; c < C; ++c) d[c] += wd * g[c];
        }
      }
    }
  });
}

// ---- zero padding and cropping (the box: resample.h) ----------------------------------------

// big = small placed at the offset; with `zero_rest`, every other big value becomes 0 (or,
// accumulating, is left alone). Tasks own rows of the big tensor.
void embed(plan::Plan& p, const Box& b, const float* small, float* big, int64_t outer, bool accumulate) {
  const int64_t C = b.C, row = b.BW * C;
  for_rows(outer * b.BD * b.BH, row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bh = r % b.BH, bd = (r / b.BH) % b.BD, n = r / (b.BH * b.BD);
      float* dst = big + r * row;
      const int64_t sd = bd - b.OD, sh = bh - b.OH;
      const bool inside = sd >= 0 && sd < b.SD && sh >= 0 && sh < b.SH;
      if (!inside) {
        if (!accumulate) std::fill(dst, dst + row, 0.0f);
        continue;
      }
      if (!accumulate) {
        std::fill(dst, dst + b.OW * C, 0.0f);
        std::fill(dst + (b.OW + b.SW) * C, dst + row, 0.0f);
      }
      const float* src = small + ((n * b.SD + sd) * b.SH + sh) * b.SW * C;
      put(dst + b.OW * C, src, b.SW * C, accumulate);
    }
  });
}

// small = the box of big at the offset. Tasks own rows of the small tensor.
void extract(plan::Plan& p, const Box& b, const float* big, float* small, int64_t outer, bool accumulate) {
  const int64_t C = b.C, row = b.SW * C;
  for_rows(outer * b.SD * b.SH, row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t sh = r % b.SH, sd = (r / b.SH) % b.SD, n = r / (b.SH * b.SD);
      const float* src = big + (((n * b.BD + sd + b.OD) * b.BH + sh + b.OH) * b.BW + b.OW) * C;
      put(small + r * row, src, row, accumulate);
    }
  });
}

// bufs [x (small), y (big)]
void zero_pad_fwd(plan::Plan& p, const plan::Instr& in) { run_box<BoxKernel::kPadFwd>(p, in, embed, extract); }

// bufs [dy (big), dx (small)]; the gradient of the padding is dropped.
void zero_pad_bwd(plan::Plan& p, const plan::Instr& in) { run_box<BoxKernel::kPadBwd>(p, in, embed, extract); }

// bufs [x (big), y (small)]
void crop_fwd(plan::Plan& p, const plan::Instr& in) { run_box<BoxKernel::kCropFwd>(p, in, embed, extract); }

// bufs [dy (small), dx (big)]; cropped-away positions get a zero gradient.
void crop_bwd(plan::Plan& p, const plan::Instr& in) { run_box<BoxKernel::kCropBwd>(p, in, embed, extract); }

STRATA_KERNEL("upsample_nearest_fwd", upsample_nearest_fwd);
STRATA_KERNEL("upsample_nearest_bwd", upsample_nearest_bwd);
STRATA_KERNEL("upsample_bilinear_fwd", upsample_bilinear_fwd);
STRATA_KERNEL("upsample_bilinear_bwd", upsample_bilinear_bwd);
STRATA_KERNEL("zero_pad_fwd", zero_pad_fwd);
STRATA_KERNEL("zero_pad_bwd", zero_pad_bwd);
STRATA_KERNEL("crop_fwd", crop_fwd);
STRATA_KERNEL("crop_bwd", crop_bwd);

}  // namespace
}  // namespace strata::kernels
