// Moving values around without weights on the device (src/kernels/resample.cc): nearest and
// bilinear upsampling, zero padding and cropping, each forward next to its backward.
//
// Tensors are seen as [outer, D, H, W, inner] as on the CPU (channels_last: inner = C;
// channels_first: outer = N * C, inner = 1), `outer` from the buffer's current count. W and
// inner are contiguous, so the kernels treat a row of W * inner values as one axis where
// they can, and one thread writes one output value: backward passes gather (each input
// position sums the outputs it was copied or interpolated to) rather than scatter, so no
// atomics and no zeroing pass.
//
// Copies move raw 32-bit words, so they also serve int32 tensors (ZeroPadding of indices);
// only backward passes, and bilinear interpolation, do arithmetic.
#include <cmath>
#include <cstdint>

#include "../kernel.cuh"
#include "../../src/kernels/resample.h"

namespace strata::cuda {
namespace {

// ---- nearest upsampling (UpSampling1D/2D/3D 'nearest', RepeatVector) ---------------------
// Output position (od, oh, ow) reads input (od / FD, oh / FH, ow / FW). RepeatVector is the
// case D = H = W = 1, FW = n, inner = features.

// bufs [x, y]; ints [inner, ID, IH, IW, FD, FH, FW]
void upsample_nearest_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], ID = in.ints[1], IH = in.ints[2], IW = in.ints[3];
  const int64_t FD = in.ints[4], FH = in.ints[5], FW = in.ints[6];
  const uint32_t* x = reinterpret_cast<const uint32_t*>(p.f32(in.bufs[0]));
  uint32_t* y = reinterpret_cast<uint32_t*>(p.f32(in.bufs[1]));
  const int64_t outer = p.count(in.bufs[0]) / (ID * IH * IW * C);
  const int64_t OD = ID * FD, OH = IH * FH, row = IW * FW * C;
  launch_each(p, outer * OD * OH * row, [=] __device__(int64_t i) {
    const int64_t r = i / row, k = i - r * row;  // output row (n, od, oh), and (ow, c) in it
    const int64_t oh = r % OH, od = (r / OH) % OD, n = r / (OH * OD);
    const int64_t ow = k / C, c = k - ow * C;
    y[i] = x[(((n * ID + od / FD) * IH + oh / FH) * IW + ow / FW) * C + c];
  }, "upsample_nearest_fwd");
}

// bufs [dy, dx]; ints [inner, ID, IH, IW, FD, FH, FW, accumulate]
// dx at an input position is the sum of dy over the FD x FH x FW block it was copied to
// (summed in the CPU's order: depth, height, width).
void upsample_nearest_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], ID = in.ints[1], IH = in.ints[2], IW = in.ints[3];
  const int64_t FD = in.ints[4], FH = in.ints[5], FW = in.ints[6];
  const bool acc = in.ints[7] != 0;
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[1]) / (ID * IH * IW * C);
  const int64_t OD = ID * FD, OH = IH * FH, OW = IW * FW, row = IW * C;
  launch_each(p, outer * ID * IH * row, [=] __device__(int64_t i) {
    const int64_t r = i / row, k = i - r * row;  // input row (n, id, ih), and (iw, c) in it
    const int64_t ih = r % IH, id = (r / IH) % ID, n = r / (IH * ID);
    const int64_t iw = k / C, c = k - iw * C;
    float sum = 0.0f;
    for (int64_t a = 0; a < FD; ++a)
      for (int64_t b = 0; b < FH; ++b) {
        const float* dyr = dy + ((n * OD + id * FD + a) * OH + ih * FH + b) * OW * C + iw * FW * C + c;
        for (int64_t t = 0; t < FW; ++t) sum += dyr[t * C];
      }
    dx[i] = acc ? dx[i] + sum : sum;
  }, "upsample_nearest_bwd");
}

// ---- bilinear upsampling (UpSampling2D interpolation='bilinear') ------------------------
// Sampling positions and weights: kernels::lerp_at (resample.h), as on the CPU.

using kernels::Box;
using kernels::Lerp;
using kernels::lerp_at;

// The weight input i gets from output o along one axis: 1 - t as its low neighbour, t as its
// high one (both at a clamped edge, where lo = hi).
__device__ inline float lerp_weight(const Lerp& l, int64_t i) {
  return (l.lo == i ? 1.0f - l.t : 0.0f) + (l.hi == i ? l.t : 0.0f);
}

// The outputs whose neighbours can include input i: those sampling within (i - 1, i + 1),
// widened by one on each side so rounding cannot drop one (lerp_weight is exact for the rest).
__device__ inline void touching(int64_t i, int64_t in, int64_t out, int64_t& o0, int64_t& o1) {
  const double r = static_cast<double>(out) / static_cast<double>(in);
  const int64_t a = static_cast<int64_t>(floor((static_cast<double>(i) - 0.5) * r - 0.5)) - 1;
  const int64_t b = static_cast<int64_t>(ceil((static_cast<double>(i) + 1.5) * r - 0.5)) + 1;
  o0 = a > 0 ? a : 0;
  o1 = b < out - 1 ? b : out - 1;
}

// bufs [x, y]; ints [inner, IH, IW, OH, OW]
void upsample_bilinear_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], IH = in.ints[1], IW = in.ints[2], OH = in.ints[3], OW = in.ints[4];
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[0]) / (IH * IW * C);
  const int64_t row = OW * C;
  launch_each(p, outer * OH * row, [=] __device__(int64_t i) {
    const int64_t r = i / row, k = i - r * row;
    const int64_t oh = r % OH, n = r / OH, ow = k / C, c = k - ow * C;
    const Lerp lh = lerp_at(oh, IH, OH), lw = lerp_at(ow, IW, OW);
    const float* top = x + (n * IH + lh.lo) * IW * C + c;
    const float* bot = x + (n * IH + lh.hi) * IW * C + c;
    const float a = top[lw.lo * C], b = top[lw.hi * C], c0 = bot[lw.lo * C], d = bot[lw.hi * C];
    const float up = a + (b - a) * lw.t;
    const float down = c0 + (d - c0) * lw.t;
    y[i] = up + (down - up) * lh.t;
  }, "upsample_bilinear_fwd");
}

// bufs [dy, dx]; ints [inner, IH, IW, OH, OW, accumulate]
// Each input position gathers the outputs that read it, each weighted as forward mixed it
// in: the product of its weights along H and along W.
void upsample_bilinear_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t C = in.ints[0], IH = in.ints[1], IW = in.ints[2], OH = in.ints[3], OW = in.ints[4];
  const bool acc = in.ints[5] != 0;
  const float* dy = p.f32(in.bufs[0]);
  float* dx = p.f32(in.bufs[1]);
  const int64_t outer = p.count(in.bufs[1]) / (IH * IW * C);
  const int64_t row = IW * C;
  launch_each(p, outer * IH * row, [=] __device__(int64_t i) {
    const int64_t r = i / row, k = i - r * row;
    const int64_t ih = r % IH, n = r / IH, iw = k / C, c = k - iw * C;
    int64_t h0, h1, w0, w1;
    touching(ih, IH, OH, h0, h1);
    touching(iw, IW, OW, w0, w1);
    float sum = 0.0f;
    for (int64_t oh = h0; oh <= h1; ++oh) {
      const float wh = lerp_weight(lerp_at(oh, IH, OH), ih);
      if (wh == 0.0f) continue;
      const float* dyr = dy + (n * OH + oh) * OW * C + c;
      float part = 0.0f;
      for (int64_t ow = w0; ow <= w1; ++ow) {
        const float ww = lerp_weight(lerp_at(ow, IW, OW), iw);
        if (ww != 0.0f) part += ww * dyr[ow * C];
      }
      sum += wh * part;
    }
    dx[i] = acc ? dx[i] + sum : sum;
  }, "upsample_bilinear_bwd");
}

// ---- zero padding and cropping (the box: resample.h) ----------------------------------------

// big = small placed at the offset, every other big value 0: one thread per big value.
// Accumulating, big += small inside the box and the rest is left alone: one thread per small
// value. Copies move words (int32 data passes through unchanged).
void embed(const plan::Plan& p, const Box& b, const float* small, float* big, int64_t outer, bool accumulate) {
  const int64_t brow = b.BW * b.C, srow = b.SW * b.C, off = b.OW * b.C;
  if (accumulate) {
    launch_each(p, outer * b.SD * b.SH * srow, [=] __device__(int64_t i) {
      const int64_t r = i / srow, k = i - r * srow;
      const int64_t sh = r % b.SH, sd = (r / b.SH) % b.SD, n = r / (b.SH * b.SD);
      big[((n * b.BD + sd + b.OD) * b.BH + sh + b.OH) * brow + off + k] += small[i];
    }, "zero padding (accumulate)");
    return;
  }
  const uint32_t* src = reinterpret_cast<const uint32_t*>(small);
  uint32_t* dst = reinterpret_cast<uint32_t*>(big);
  launch_each(p, outer * b.BD * b.BH * brow, [=] __device__(int64_t i) {
    const int64_t r = i / brow, k = i - r * brow;
    const int64_t bh = r % b.BH, bd = (r / b.BH) % b.BD, n = r / (b.BH * b.BD);
    const int64_t sd = bd - b.OD, sh = bh - b.OH, sk = k - off;
    const bool inside = sd >= 0 && sd < b.SD && sh >= 0 && sh < b.SH && sk >= 0 && sk < srow;
    dst[i] = inside ? src[((n * b.SD + sd) * b.SH + sh) * srow + sk] : 0u;
  }, "zero padding");
}

// small (=, or +=) the box of big at the offset: one thread per small value.
void extract(const plan::Plan& p, const Box& b, const float* big, float* small, int64_t outer, bool accumulate) {
  const int64_t brow = b.BW * b.C, srow = b.SW * b.C, off = b.OW * b.C;
  launch_each(p, outer * b.SD * b.SH * srow, [=] __device__(int64_t i) {
    const int64_t r = i / srow, k = i - r * srow;
    const int64_t sh = r % b.SH, sd = (r / b.SH) % b.SD, n = r / (b.SH * b.SD);
    const int64_t at = ((n * b.BD + sd + b.OD) * b.BH + sh + b.OH) * brow + off + k;
    if (accumulate) small[i] += big[at];
    else reinterpret_cast<uint32_t*>(small)[i] = reinterpret_cast<const uint32_t*>(big)[at];
  }, "crop");
}

// bufs [x (small), y (big)]
void zero_pad_fwd(plan::Plan& p, const plan::Instr& in) { kernels::run_box<kernels::BoxKernel::kPadFwd>(p, in, embed, extract); }

// bufs [dy (big), dx (small)]; the gradient of the padding is dropped.
void zero_pad_bwd(plan::Plan& p, const plan::Instr& in) { kernels::run_box<kernels::BoxKernel::kPadBwd>(p, in, embed, extract); }

// bufs [x (big), y (small)]
void crop_fwd(plan::Plan& p, const plan::Instr& in) { kernels::run_box<kernels::BoxKernel::kCropFwd>(p, in, embed, extract); }

// bufs [dy (small), dx (big)]; cropped-away positions get a zero gradient.
void crop_bwd(plan::Plan& p, const plan::Instr& in) { kernels::run_box<kernels::BoxKernel::kCropBwd>(p, in, embed, extract); }

STRATA_CUDA_KERNEL("upsample_nearest_fwd", upsample_nearest_fwd);
STRATA_CUDA_KERNEL("upsample_nearest_bwd", upsample_nearest_bwd);
STRATA_CUDA_KERNEL("upsample_bilinear_fwd", upsample_bilinear_fwd);
STRATA_CUDA_KERNEL("upsample_bilinear_bwd", upsample_bilinear_bwd);
STRATA_CUDA_KERNEL("zero_pad_fwd", zero_pad_fwd);
STRATA_CUDA_KERNEL("zero_pad_bwd", zero_pad_bwd);
STRATA_CUDA_KERNEL("crop_fwd", crop_fwd);
STRATA_CUDA_KERNEL("crop_bwd", crop_bwd);

}  // namespace
}  // namespace strata::cuda
