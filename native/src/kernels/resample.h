// What the CPU's resampling kernels (resample.cc) and the CUDA ones share: the bilinear
// sampling positions and weights, and the box of zero padding and cropping with the four
// kernels' choice between its two copies.
#pragma once

#include <cmath>
#include <cstdint>

#include "../plan/plan.h"
#include "host_device.h"

namespace strata::kernels {

// Bilinear upsampling with half-pixel centers, as Keras 3 resizes (tf.image.resize /
// jax.image.resize): output o samples the input at (o + 0.5) * in / out - 0.5, clamped to
// the edges, and mixes its two neighbours lo and hi linearly, hi with weight t. Computed in
// double, so both devices pick the same neighbours and weights.
struct Lerp {
  int64_t lo, hi;
  float t;
};

STRATA_HD inline Lerp lerp_at(int64_t o, int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double src = (static_cast<double>(o) + 0.5) * scale - 0.5;
  const double f = std::floor(src);
  const int64_t lo = static_cast<int64_t>(f), hi = static_cast<int64_t>(std::ceil(src));
  return {lo > 0 ? lo : 0, hi < in - 1 ? hi : in - 1, static_cast<float>(src - f)};
}

// Zero padding and cropping relate a small box to a big one that holds it at an offset:
// padding writes the small (input) into the big (output) and zeroes the rest; cropping reads
// the small (output) out of the big (input). So each one's backward is the other's forward.
//
// ints [inner, BD, BH, BW, SD, SH, SW, OD, OH, OW (+ accumulate)]: big sizes, small sizes,
// and the small box's offset in the big one.
struct Box {
  int64_t C, BD, BH, BW, SD, SH, SW, OD, OH, OW;
  explicit Box(const plan::Instr& in)
      : C(in.ints[0]), BD(in.ints[1]), BH(in.ints[2]), BW(in.ints[3]), SD(in.ints[4]), SH(in.ints[5]), SW(in.ints[6]),
        OD(in.ints[7]), OH(in.ints[8]), OW(in.ints[9]) {}
};

enum class BoxKernel { kPadFwd, kPadBwd, kCropFwd, kCropBwd };

// Runs one of the four kernels, bufs [source, destination], through the device's
//   embed(p, box, small, big, outer, accumulate)    big = small at the offset (the rest 0)
//   extract(p, box, big, small, outer, accumulate)  small (+)= the box of big at the offset
// where outer = the small tensor's count / its box's size; backward ones accumulate when asked.
template <BoxKernel K, typename Embed, typename Extract>
void run_box(plan::Plan& p, const plan::Instr& in, Embed&& embed, Extract&& extract) {
  const Box b(in);
  const bool acc = (K == BoxKernel::kPadBwd || K == BoxKernel::kCropBwd) && in.ints[10] != 0;
  const bool embeds = K == BoxKernel::kPadFwd || K == BoxKernel::kCropBwd;
  const int32_t small = in.bufs[embeds ? 0 : 1];
  const int64_t outer = p.count(small) / (b.SD * b.SH * b.SW * b.C);
  if (embeds) embed(p, b, p.f32(in.bufs[0]), p.f32(in.bufs[1]), outer, acc);
  else extract(p, b, p.f32(in.bufs[0]), p.f32(in.bufs[1]), outer, acc);
}

}  // namespace strata::kernels
