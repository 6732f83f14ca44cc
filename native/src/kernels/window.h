// The sliding window of the convolutions, shared by the CPU kernels (conv.cc, depthwise.cc)
// and their CUDA twins. Every rank runs as 3-D (a 1-D or 2-D window has leading axes of
// size 1): a window of k taps (stride s, dilation d, padding before pad) slides over the
// "big" grid (a convolution's input, a transposed convolution's output) and stops at the
// positions of the "small" grid. I is the index type: int64_t on the CPU, int on the device,
// whose index arithmetic stays 32-bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "host_device.h"

namespace strata::kernels {

// The window's ints: [big d, h, w, big channels, small d, h, w, small channels, kernel d, h, w,
// strides d, h, w, dilation d, h, w, padding before d, h, w]; the channel counts are the
// kernels' own (read_window skips them).
constexpr size_t kWindowInts = 20;

template <typename I>
struct Window {
  I big[3], small[3];
  I k[3], s[3], d[3], pad[3];

  STRATA_HD I big_pos() const { return big[0] * big[1] * big[2]; }
  STRATA_HD I small_pos() const { return small[0] * small[1] * small[2]; }
  STRATA_HD I kpos() const { return k[0] * k[1] * k[2]; }
};

template <typename I>
void read_window(const std::vector<int64_t>& v, Window<I>& g) {
  for (int a = 0; a < 3; ++a) {
    g.big[a] = static_cast<I>(v[a]);
    g.small[a] = static_cast<I>(v[4 + a]);
    g.k[a] = static_cast<I>(v[8 + a]);
    g.s[a] = static_cast<I>(v[11 + a]);
    g.d[a] = static_cast<I>(v[14 + a]);
    g.pad[a] = static_cast<I>(v[17 + a]);
  }
}

// The device's check before it reads a window into 32-bit ints: at least `count` ints, the
// window's all in [0, 2^31).
inline void check_window32(const std::vector<int64_t>& v, size_t count, const char* name) {
  if (v.size() < count) throw std::runtime_error(std::string(name) + ": expected " + std::to_string(count) + " ints");
  for (size_t i = 0; i < kWindowInts; ++i)
    if (v[i] < 0 || v[i] > INT32_MAX) throw std::runtime_error(std::string(name) + ": geometry value out of range");
}

// Splits pos, a position of a (d, h, w) grid over samples, into at = (d, h, w); returns the
// sample. U is the type the divisions run in (unsigned 32-bit on the device).
template <typename U, typename I>
STRATA_HD inline U split_position(U pos, const I (&dims)[3], I (&at)[3]) {
  at[2] = static_cast<I>(pos % dims[2]);
  pos /= dims[2];
  at[1] = static_cast<I>(pos % dims[1]);
  pos /= dims[1];
  at[0] = static_cast<I>(pos % dims[0]);
  return pos / dims[0];
}

// Calls fn(id, ih, iw, tap) for every tap of the window at small position (od, oh, ow) that
// lands inside the big grid, in tap order (tap = (kd * k[1] + kh) * k[2] + kw).
template <typename I, typename F>
STRATA_HD inline void for_window_taps(const Window<I>& g, I od, I oh, I ow, F&& fn) {
  for (I kd = 0; kd < g.k[0]; ++kd) {
    const I id = od * g.s[0] - g.pad[0] + kd * g.d[0];
    if (id < 0 || id >= g.big[0]) continue;
    for (I kh = 0; kh < g.k[1]; ++kh) {
      const I ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
      if (ih < 0 || ih >= g.big[1]) continue;
      for (I kw = 0; kw < g.k[2]; ++kw) {
        const I iw = ow * g.s[2] - g.pad[2] + kw * g.d[2];
        if (iw < 0 || iw >= g.big[2]) continue;
        fn(id, ih, iw, (kd * g.k[1] + kh) * g.k[2] + kw);
      }
    }
  }
}

// The gather side of the same window: calls fn(small position within the sample, tap) for
// every tap through which a window sees big position (id, ih, iw), in tap order. Along each
// axis that is where i + pad - tap * dilation is a whole multiple of the stride whose
// quotient lies inside the small grid.
template <typename I, typename F>
STRATA_HD inline void for_covering_taps(const Window<I>& g, I id, I ih, I iw, F&& fn) {
  for (I kd = 0; kd < g.k[0]; ++kd) {
    const I td = id + g.pad[0] - kd * g.d[0];
    if (td < 0) break;  // only falls further with kd
    if (td % g.s[0] != 0 || td / g.s[0] >= g.small[0]) continue;
    for (I kh = 0; kh < g.k[1]; ++kh) {
      const I th = ih + g.pad[1] - kh * g.d[1];
      if (th < 0) break;
      if (th % g.s[1] != 0 || th / g.s[1] >= g.small[1]) continue;
      for (I kw = 0; kw < g.k[2]; ++kw) {
        const I tw = iw + g.pad[2] - kw * g.d[2];
        if (tw < 0) break;
        if (tw % g.s[2] != 0 || tw / g.s[2] >= g.small[2]) continue;
        fn((td / g.s[0] * g.small[1] + th / g.s[1]) * g.small[2] + tw / g.s[2], (kd * g.k[1] + kh) * g.k[2] + kw);
      }
    }
  }
}

}  // namespace strata::kernels
