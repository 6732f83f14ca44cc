// Pooling on the device (src/kernels/pooling.cc): max and average over sliding windows in
// up to three spatial dimensions (global pooling is a window over the whole input), with
// their backward passes; and the masked global average over steps.
//
// Layout, as on the CPU: every pooled tensor is [outer, D, H, W, inner] (channels_last:
// inner = C; channels_first: outer = N * C, inner = 1). Padding follows TensorFlow: the
// window of output o starts at o * stride - pad, padded positions never take part (max
// ignores them, average divides by the valid count).
//
// Forward: one thread per output value (neighbouring threads on neighbouring channels, so
// channels_last reads coalesce); large windows over few outputs (global pooling of
// channels_first planes, or of few channels) take one warp per output instead. Max pooling
// writes, when asked, the winning position (d * H + h) * W + w in the [D, H, W] plane: the
// first maximum in row-major order, as the CPU (and TensorFlow) picks.
//
// Backward is a gather: one thread per input value sums the outputs whose windows cover it
// (for max, those whose recorded winner is this position), so overlapping windows need no
// atomics and every input value is written once, zero where no window covers it.
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

enum PoolMode : int64_t { kMax = 0, kAverage = 1 };

// ints [mode, inner, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, ...];
// axis 0 is D, 1 is H, 2 is W. I is the index type of the device arithmetic: int32 when
// every index fits (64-bit division costs several times as much), else int64.
template <typename I>
struct Pool {
  I mode, inner;
  I in[3], out[3], k[3], s[3], pad[3];

  explicit Pool(const plan::Instr& instr) : mode(static_cast<I>(instr.ints[0])), inner(static_cast<I>(instr.ints[1])) {
    for (int a = 0; a < 3; ++a) {
      in[a] = static_cast<I>(instr.ints[2 + a]);
      out[a] = static_cast<I>(instr.ints[5 + a]);
      k[a] = static_cast<I>(instr.ints[8 + a]);
      s[a] = static_cast<I>(instr.ints[11 + a]);
      pad[a] = static_cast<I>(instr.ints[14 + a]);
      // Strides divide on the device: reject sizes no layer produces.
      if (k[a] < 1 || s[a] < 1 || pad[a] < 0) throw std::runtime_error("pool: window, stride or padding out of range");
    }
  }
  __host__ __device__ I in_plane() const { return in[0] * in[1] * in[2]; }
  __host__ __device__ I out_plane() const { return out[0] * out[1] * out[2]; }
  __host__ __device__ I window() const { return k[0] * k[1] * k[2]; }

  // The valid input range [w0, w1) of output o's window along axis a.
  __device__ void window(int a, I o, I* w0, I* w1) const {
    const I start = o * s[a] - pad[a];
    *w0 = start > 0 ? start : 0;
    *w1 = start + k[a] < in[a] ? start + k[a] : in[a];
  }
  // The outputs [o0, o1) whose windows cover input i along axis a (empty in a gap).
  __device__ void covering(int a, I i, I* o0, I* o1) const {
    const I lo = i + pad[a] - k[a] + 1;  // the first covering window starts here or later
    *o0 = lo <= 0 ? 0 : (lo + s[a] - 1) / s[a];
    const I hi = (i + pad[a]) / s[a] + 1;
    *o1 = hi < out[a] ? hi : out[a];
    if (*o1 <= *o0) *o0 = *o1 = 0;
  }
  __device__ I count(int a, I o) const {
    I w0, w1;
    window(a, o, &w0, &w1);
    return w1 - w0;
  }
  // The average of a window's sum, with the CPU's arithmetic for each layout.
  __device__ float average(float sum, I od, I oh, I ow) const {
    if (inner == 1) return sum / (static_cast<float>(count(0, od) * count(1, oh)) * static_cast<float>(count(2, ow)));
    return sum * (1.0f / static_cast<float>(count(0, od) * count(1, oh) * count(2, ow)));
  }
};

// Whether a pooling's indices fit int32: every offset is below the larger buffer's size,
// with room left for a grid-stride step past the end.
bool fits32(const plan::Plan& p, int32_t a, int32_t b) { return p.count(a) <= INT_MAX / 2 && p.count(b) <= INT_MAX / 2; }

// Output value e = o * inner + c, o in [outer, OD, OH, OW]: its plane, coordinates and window.
template <typename I>
struct OutputAt {
  I c, n, od, oh, ow;
  I d0, d1, h0, h1, w0, w1;
  __device__ OutputAt(const Pool<I>& g, I e) {
    c = e % g.inner;
    I o = e / g.inner;
    ow = o % g.out[2];
    o /= g.out[2];
    oh = o % g.out[1];
    o /= g.out[1];
    od = o % g.out[0];
    n = o / g.out[0];
    g.window(0, od, &d0, &d1);
    g.window(1, oh, &h0, &h1);
    g.window(2, ow, &w0, &w1);
  }
};

// Window positions with more than this many values, over few outputs, go warp per output.
constexpr int64_t kWarpWindow = 64;
constexpr int64_t kFewOutputs = 32768;

// One thread per output value.
template <typename I>
__global__ void pool_fwd_threads(Pool<I> g, const float* x, float* y, int32_t* arg, I total) {
  const I C = g.inner, IH = g.in[1], IW = g.in[2];
  for (I e = blockIdx.x * blockDim.x + threadIdx.x; e < total; e += gridDim.x * blockDim.x) {
    const OutputAt<I> o(g, e);
    const float* xn = x + static_cast<int64_t>(o.n) * g.in_plane() * C + o.c;
    if (g.mode == kMax) {
      float best = -INFINITY;
      I at = (o.d0 * IH + o.h0) * IW + o.w0;
      for (I id = o.d0; id < o.d1; ++id)
        for (I ih = o.h0; ih < o.h1; ++ih)
          for (I iw = o.w0; iw < o.w1; ++iw) {
            const I idx = (id * IH + ih) * IW + iw;
            const float v = xn[idx * C];
            if (v > best) {  // strictly greater: the first maximum wins
              best = v;
              at = idx;
            }
          }
      y[e] = best;
      if (arg) arg[e] = static_cast<int32_t>(at);
    } else {
      float sum = 0.0f;
      for (I id = o.d0; id < o.d1; ++id)
        for (I ih = o.h0; ih < o.h1; ++ih)
          for (I iw = o.w0; iw < o.w1; ++iw) sum += xn[((id * IH + ih) * IW + iw) * C];
      y[e] = g.average(sum, o.od, o.oh, o.ow);
    }
  }
}

// One warp per output value: lanes take every 32nd window position; max keeps, per lane,
// its first maximum, and lanes combine to the greatest value at the smallest position,
// which is the row-major first maximum. Every lane starts from the window's first
// position, so a window with no value above -inf reports it, as the CPU does.
template <typename I>
__global__ void pool_fwd_warps(Pool<I> g, const float* x, float* y, int32_t* arg, I total) {
  const I C = g.inner, IH = g.in[1], IW = g.in[2];
  const int lane = threadIdx.x & 31;
  const I warps = gridDim.x * (blockDim.x >> 5);
  for (I e = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); e < total; e += warps) {
    const OutputAt<I> o(g, e);
    const float* xn = x + static_cast<int64_t>(o.n) * g.in_plane() * C + o.c;
    const I dh = o.h1 - o.h0, dw = o.w1 - o.w0, positions = (o.d1 - o.d0) * dh * dw;
    float best = g.mode == kMax ? -INFINITY : 0.0f;
    I at = (o.d0 * IH + o.h0) * IW + o.w0;
    for (I j = lane; j < positions; j += 32) {
      const I id = o.d0 + j / (dh * dw), ih = o.h0 + (j / dw) % dh, iw = o.w0 + j % dw;
      const I idx = (id * IH + ih) * IW + iw;
      const float v = xn[idx * C];
      if (g.mode != kMax) {
        best += v;
      } else if (v > best) {
        best = v;
        at = idx;
      }
    }
    if (g.mode == kMax) {
      for (int off = 16; off > 0; off >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, best, off);
        const I oa = __shfl_xor_sync(0xffffffffu, at, off);
        if (ov > best || (ov == best && oa < at)) {
          best = ov;
          at = oa;
        }
      }
      if (lane == 0) {
        y[e] = best;
        if (arg) arg[e] = static_cast<int32_t>(at);
      }
    } else {
      const float sum = warp_sum(best);
      if (lane == 0) y[e] = g.average(sum, o.od, o.oh, o.ow);
    }
  }
}

template <typename I>
void pool_fwd_with(plan::Plan& p, const plan::Instr& in) {
  const Pool<I> g(in);
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  int32_t* arg = in.bufs[2] >= 0 ? p.i32(in.bufs[2]) : nullptr;
  const int64_t total = p.count(in.bufs[0]) / (static_cast<int64_t>(g.in_plane()) * g.inner) * g.out_plane() * g.inner;
  if (total <= 0) return;
  if (g.window() >= kWarpWindow && (g.inner < 32 || total < kFewOutputs)) {
    pool_fwd_warps<I><<<blocks_for(total * 32), kThreads, 0, stream(p)>>>(g, x, y, arg, static_cast<I>(total));
  } else {
    pool_fwd_threads<I><<<blocks_for(total), kThreads, 0, stream(p)>>>(g, x, y, arg, static_cast<I>(total));
  }
  check_launch("pool_fwd");
}

// bufs [x, y, argmax or -1]; ints [mode, inner, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW]
void pool_fwd(plan::Plan& p, const plan::Instr& in) {
  if (fits32(p, in.bufs[0], in.bufs[1])) pool_fwd_with<int32_t>(p, in);
  else pool_fwd_with<int64_t>(p, in);
}

// dx[i] = sum over outputs o covering i of: dy[o] if argmax[o] == i (max), dy[o] / count(o)
// (average). The sums follow the CPU's order for each layout: channels_first adds each
// output's share onto dx in output order, channels_last sums the shares, then adds.
template <typename I>
void pool_bwd_with(plan::Plan& p, const plan::Instr& in) {
  const Pool<I> g(in);
  const bool acc = in.ints[17] != 0;
  const float* dy = p.f32(in.bufs[0]);
  const int32_t* arg = in.bufs[1] >= 0 ? p.i32(in.bufs[1]) : nullptr;
  float* dx = p.f32(in.bufs[2]);
  launch_each(p, p.count(in.bufs[2]), [=] __device__(int64_t e64) {
    const I e = static_cast<I>(e64);
    const I C = g.inner, OH = g.out[1], OW = g.out[2];
    const I c = e % C;
    I i = e / C;
    const I iw = i % g.in[2];
    i /= g.in[2];
    const I ih = i % g.in[1];
    i /= g.in[1];
    const I id = i % g.in[0], n = i / g.in[0];
    const int32_t idx = static_cast<int32_t>((id * g.in[1] + ih) * g.in[2] + iw);
    I d0, d1, h0, h1, w0, w1;
    g.covering(0, id, &d0, &d1);
    g.covering(1, ih, &h0, &h1);
    g.covering(2, iw, &w0, &w1);
    const bool first_layout = C == 1;
    float s = first_layout && acc ? dx[e] : 0.0f;
    for (I od = d0; od < d1; ++od)
      for (I oh = h0; oh < h1; ++oh)
        for (I ow = w0; ow < w1; ++ow) {
          const I o = (n * g.out_plane() + (od * OH + oh) * OW + ow) * C + c;
          if (g.mode == kMax) {
            if (arg[o] == idx) s += dy[o];
          } else {
            const float cnt = static_cast<float>(g.count(0, od) * g.count(1, oh) * g.count(2, ow));
            s += first_layout ? dy[o] / cnt : dy[o] * (1.0f / cnt);
          }
        }
    dx[e] = !first_layout && acc ? dx[e] + s : s;
  }, "pool_bwd");
}

// bufs [dy, argmax or -1 (average), dx]; ints [mode, inner, ID..PW (as pool_fwd), accumulate]
void pool_bwd(plan::Plan& p, const plan::Instr& in) {
  if (fits32(p, in.bufs[0], in.bufs[2])) pool_bwd_with<int32_t>(p, in);
  else pool_bwd_with<int64_t>(p, in);
}

// ---- masked global average pooling over steps (GlobalAveragePooling1D with a mask) ---------------
// x is [B, T, C] (channels_last) or [B, C, T] (channels_first), the mask [B, T]. Each output
// is sum(where(mask, x, 0)) / sum(mask), as Keras computes it: a sample with no kept step
// gets 0 / 0 (NaN), and masked steps get no gradient.

struct MaskedSteps {
  int64_t T, C;
  bool channels_first;
  explicit MaskedSteps(const plan::Instr& in) : T(in.ints[0]), C(in.ints[1]), channels_first(in.ints[2] != 0) {}
  __device__ int64_t at(int64_t b, int64_t t, int64_t c) const {
    return channels_first ? (b * C + c) * T + t : (b * T + t) * C + c;
  }
};

// bufs [x, mask, y]; ints [steps, channels, channels_first]
// One thread per (sample, channel), walking the steps in order as the CPU does.
void masked_average_fwd(plan::Plan& p, const plan::Instr& in) {
  const MaskedSteps g(in);
  const float* x = p.f32(in.bufs[0]);
  const float* mask = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  if (g.T <= 0 || g.C <= 0) return;
  const int64_t batch = p.count(in.bufs[1]) / g.T;
  launch_each(p, batch * g.C, [=] __device__(int64_t i) {
    const int64_t b = i / g.C, c = i - b * g.C;
    float sum = 0.0f, kept = 0.0f;
    for (int64_t t = 0; t < g.T; ++t) {
      if (mask[b * g.T + t] == 0.0f) continue;
      sum += x[g.at(b, t, c)];
      kept += 1.0f;
    }
    y[i] = sum / kept;
  }, "masked_average_fwd");
}

// One block per sample: the block counts the kept steps once, then writes the sample's
// T x C gradient values in memory order.
__global__ void masked_average_bwd_kernel(MaskedSteps g, const float* mask, const float* dy, float* dx, int64_t batch,
                                          bool acc) {
  for (int64_t b = blockIdx.x; b < batch; b += gridDim.x) {
    const float* mb = mask + b * g.T;
    float kept = 0.0f;
    for (int64_t t = threadIdx.x; t < g.T; t += blockDim.x) kept += mb[t] != 0.0f ? 1.0f : 0.0f;
    const float n = block_sum(kept);  // whole numbers: exact, as the CPU's serial count
    float* dxb = dx + b * g.T * g.C;
    for (int64_t j = threadIdx.x; j < g.T * g.C; j += blockDim.x) {
      const int64_t t = g.channels_first ? j % g.T : j / g.C;
      const int64_t c = g.channels_first ? j / g.T : j % g.C;
      const float v = mb[t] != 0.0f ? dy[b * g.C + c] / n : 0.0f;
      dxb[j] = acc ? dxb[j] + v : v;
    }
  }
}

// bufs [mask, dy, dx]; ints [steps, channels, channels_first, accumulate]
// dx[b, t, c] = dy[b, c] / kept(b) at kept steps, 0 at masked ones.
void masked_average_bwd(plan::Plan& p, const plan::Instr& in) {
  const MaskedSteps g(in);
  const bool acc = in.ints[3] != 0;
  if (g.T <= 0 || g.C <= 0) return;
  const int64_t batch = p.count(in.bufs[0]) / g.T;
  if (batch <= 0) return;
  const unsigned grid = static_cast<unsigned>(batch < 65535 ? batch : 65535);
  masked_average_bwd_kernel<<<grid, kThreads, 0, stream(p)>>>(g, p.f32(in.bufs[0]), p.f32(in.bufs[1]), p.f32(in.bufs[2]),
                                                              batch, acc);
  check_launch("masked_average_bwd");
}

STRATA_CUDA_KERNEL("pool_fwd", pool_fwd);
STRATA_CUDA_KERNEL("pool_bwd", pool_bwd);
STRATA_CUDA_KERNEL("masked_average_fwd", masked_average_fwd);
STRATA_CUDA_KERNEL("masked_average_bwd", masked_average_bwd);

}  // namespace
}  // namespace strata::cuda
