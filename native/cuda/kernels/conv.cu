// Convolutions (Conv1D/2D/3D, grouped) and transposed convolutions on the device
// (src/kernels/conv.cc), channels_last, as GEMMs over im2col; forward next to backward.
//
// The same algebra as the CPU (see conv.cc's header): every rank runs as 3-D, a window
// slides over the "big" grid and stops at the positions of the "small" grid, and
//
//   cols[n, small position][group, kd, kh, kw, channel of the group]      (zeros in padding)
//
//   conv:                y  = cols(x) · W            dW = cols(x)^T · dy    dx = col2im(dy · W^T)
//   transposed:          y  = col2im(x · W^T)        dW = cols(dy)^T · x    dx = cols(dy) · W
//
// The CPU's choice between its tiled path (scratch id -1) and its whole-batch path (a plan
// scratch buffer) is about caches; here both forms run the same way: the columns of as many
// samples as fit under kColsCap go to device scratch (slot 0), then one GEMM (batched over
// groups) takes them all. The plan scratch buffer is not used.
//
// col2im is a gather: one thread per element of the big grid sums the columns whose window
// covers it, so nothing is written twice and no atomics are needed; it also applies the
// transposed convolution's bias and activation, or adds into dx when accumulating.
//
// 1x1 convolutions with stride 1 and no padding need no im2col: x already is the matrix.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel.cuh"
#include "activation.cuh"
#include "gemm.cuh"
#include "../src/kernels/layer_bufs.h"
#include "../src/kernels/window.h"

namespace strata::cuda {
namespace {

using kernels::kLinear;
using kernels::kLogSoftmax;

// ints [window (20, see window.h), groups]: big channels at 3, small channels at 7.
constexpr size_t kGeomInts = kernels::kWindowInts + 1;

// Largest im2col matrix one chunk of samples builds (bytes); a batch whose columns are
// larger runs in chunks of samples, each one im2col and one GEMM.
constexpr int64_t kColsCap = int64_t{256} << 20;

// The geometry, in 32-bit ints: device index arithmetic stays 32-bit (chunks are kept
// under 2^31 values), only offsets across samples are 64-bit.
struct Geom : kernels::Window<int> {
  int cb, cs;
  int groups;

  __host__ __device__ int cg() const { return cb / groups; }
  // Columns of the im2col matrix: every group's window of cb / groups channels.
  __host__ __device__ int cols() const { return kpos() * cb; }
  bool pointwise() const {
    for (int a = 0; a < 3; ++a)
      if (k[a] != 1 || s[a] != 1 || pad[a] != 0 || big[a] != small[a]) return false;
    return true;
  }
};

Geom parse_geom(const plan::Instr& in, size_t extra, const char* name) {
  const std::vector<int64_t>& v = in.ints;
  kernels::check_window32(v, kGeomInts + extra, name);
  if (v[kernels::kWindowInts] < 0 || v[kernels::kWindowInts] > INT32_MAX)
    throw std::runtime_error(std::string(name) + ": geometry value out of range");
  Geom g;
  kernels::read_window(v, g);
  g.cb = static_cast<int>(v[3]);
  g.cs = static_cast<int>(v[7]);
  g.groups = static_cast<int>(v[kernels::kWindowInts]);
  if (g.groups < 1 || g.cb % g.groups != 0 || g.cs % g.groups != 0)
    throw std::runtime_error(std::string(name) + ": groups must divide both channel counts");
  const int64_t sample = std::max(int64_t{g.small[0]} * g.small[1] * g.small[2] * g.k[0] * g.k[1] * g.k[2] * g.cb,
                                  int64_t{g.big[0]} * g.big[1] * g.big[2] * g.cb);
  if (sample > INT32_MAX) throw std::runtime_error(std::string(name) + ": one sample's columns exceed 2^31 values");
  return g;
}

// Samples per chunk: as many as keep the columns under kColsCap and the chunk's big grid
// under 2^31 values (the kernels index within a chunk in 32 bits).
int64_t chunk_samples(const Geom& g, int64_t batch) {
  const int64_t cols = int64_t{g.small_pos()} * g.cols(), big = int64_t{g.big_pos()} * g.cb;
  const int64_t fit = std::min(kColsCap / int64_t{sizeof(float)} / std::max<int64_t>(cols, 1), INT32_MAX / std::max<int64_t>(big, 1));
  return std::clamp<int64_t>(fit, 1, std::max<int64_t>(batch, 1));
}

// ---- vector access: 4 channels per thread when the group's channels allow it ---------------

template <int V>
struct Pack {
  float v[V];
};

template <int V>
__device__ inline Pack<V> load(const float* p) {
  Pack<V> r;
  if constexpr (V == 4) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    r.v[0] = q.x, r.v[1] = q.y, r.v[2] = q.z, r.v[3] = q.w;
  } else {
    r.v[0] = *p;
  }
  return r;
}

template <int V>
__device__ inline void store(float* p, const Pack<V>& r) {
  if constexpr (V == 4) {
    *reinterpret_cast<float4*>(p) = make_float4(r.v[0], r.v[1], r.v[2], r.v[3]);
  } else {
    *p = r.v[0];
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ---- im2col / col2im ------------------------------------------------------------------------

// cols (samples * small positions x K, row-major) from the big grid of `samples` samples
// starting at `big`. One thread per V consecutive values of cols, in its row-major order,
// so that writes are coalesced and reads run along the channels of one input position.
template <int V>
void im2col_v(const plan::Plan& p, const Geom g, const float* big, int64_t samples, float* cols) {
  const int64_t total = samples * g.small_pos() * g.cols() / V;
  launch_each(
      p, total,
      [=] __device__(int64_t i) {
        const uint32_t K = g.cols(), cg = g.cg();
        const uint32_t e = static_cast<uint32_t>(i) * V;
        const uint32_t r = e / K, j = e - r * K;
        uint32_t t = j / cg;
        const uint32_t c = j - t * cg;
        const uint32_t kw = t % g.k[2];
        t /= g.k[2];
        const uint32_t kh = t % g.k[1];
        t /= g.k[1];
        const uint32_t kd = t % g.k[0], gi = t / g.k[0];
        int o[3];
        const uint32_t n = kernels::split_position(r, g.small, o);
        const int id = o[0] * g.s[0] - g.pad[0] + static_cast<int>(kd) * g.d[0];
        const int ih = o[1] * g.s[1] - g.pad[1] + static_cast<int>(kh) * g.d[1];
        const int iw = o[2] * g.s[2] - g.pad[2] + static_cast<int>(kw) * g.d[2];
        Pack<V> v{};
        if (id >= 0 && id < g.big[0] && ih >= 0 && ih < g.big[1] && iw >= 0 && iw < g.big[2]) {
          const int64_t at = (static_cast<int64_t>(n) * g.big_pos() + (id * g.big[1] + ih) * g.big[2] + iw) * g.cb;
          v = load<V>(big + at + gi * cg + c);
        }
        store<V>(cols + e, v);
      },
      "conv im2col");
}

void im2col(const plan::Plan& p, const Geom& g, const float* big, int64_t samples, float* cols) {
  if (g.cg() % 4 == 0 && aligned16(big) && aligned16(cols)) im2col_v<4>(p, g, big, samples, cols);
  else im2col_v<1>(p, g, big, samples, cols);
}

// What col2im does with each sum s before storing it at out: s (+ out when accumulating)
// (+ bias[channel]), kept in pre when given, then out = act(s) (element-wise act only).
struct Epilogue {
  const float* bias = nullptr;
  float* pre = nullptr;
  int64_t act = kLinear;
  bool accumulate = false;
};

// The adjoint of im2col, as a gather: every value of the big grid of `samples` samples at
// `out` sums the columns that copied it. For a big position i and tap k, the small position
// is (i + pad - k * dilation) / stride, when that is whole and inside the small grid.
template <int V>
void col2im_v(const plan::Plan& p, const Geom g, const float* cols, int64_t samples, float* out, const Epilogue ep) {
  const int64_t total = samples * g.big_pos() * g.cb / V;
  launch_each(
      p, total,
      [=] __device__(int64_t i) {
        const uint32_t K = g.cols(), cg = g.cg(), sp = g.small_pos();
        const uint32_t e = static_cast<uint32_t>(i) * V;
        const uint32_t pos = e / g.cb;
        const uint32_t ch = e - pos * g.cb, gi = ch / cg, c = ch - gi * cg;
        int at[3];
        const uint32_t n = kernels::split_position(pos, g.big, at);
        Pack<V> sum{};
        kernels::for_covering_taps(g, at[0], at[1], at[2], [&](int o, int tap) {
          const uint32_t row = n * sp + o, col = (gi * g.kpos() + tap) * cg + c;
          const Pack<V> v = load<V>(cols + row * K + col);
#pragma unroll
          for (int u = 0; u < V; ++u) sum.v[u] += v.v[u];
        });
        if (ep.accumulate) {
          const Pack<V> o = load<V>(out + e);
#pragma unroll
          for (int u = 0; u < V; ++u) sum.v[u] += o.v[u];
        }
        if (ep.bias) {
          const Pack<V> b = load<V>(ep.bias + ch);
#pragma unroll
          for (int u = 0; u < V; ++u) sum.v[u] += b.v[u];
        }
        if (ep.pre) store<V>(ep.pre + e, sum);
        if (ep.act != kLinear) {
#pragma unroll
          for (int u = 0; u < V; ++u) sum.v[u] = act_forward(ep.act, sum.v[u]);
        }
        store<V>(out + e, sum);
      },
      "conv col2im");
}

void col2im(const plan::Plan& p, const Geom& g, const float* cols, int64_t samples, float* out, const Epilogue& ep) {
  const bool vec = g.cg() % 4 == 0 && aligned16(cols) && aligned16(out) && aligned16(ep.pre) && aligned16(ep.bias);
  if (vec) col2im_v<4>(p, g, cols, samples, out, ep);
  else col2im_v<1>(p, g, cols, samples, out, ep);
}

// ---- epilogues ------------------------------------------------------------------------------

// pre holds rows x n GEMM results: pre += bias (when given), then y = act(pre); pre may
// equal y. The device form of kernels::bias_activation, for results no GEMM epilogue took.
void bias_activation(const plan::Plan& p, float* pre, float* y, int64_t rows, int64_t n, const float* bias, int64_t act) {
  const bool row_wise = kernels::is_row_wise(act);
  if (bias || (!row_wise && (act != kLinear || pre != y))) {
    const int64_t a = row_wise ? kLinear : act;
    float* out = row_wise ? pre : y;
    launch_each(
        p, rows * n,
        [=] __device__(int64_t i) {
          const float v = bias ? pre[i] + bias[i % n] : pre[i];
          if (pre != out) pre[i] = v;
          out[i] = act_forward(a, v);
        },
        "conv bias and activation");
  }
  if (row_wise) softmax_rows(p, pre, y, rows, n, act == kLogSoftmax);
}

// Runs G (everything but its output set) for rows x G.n results of a layer: + bias, the
// pre-activation into z when given, y = act(...), fused into the GEMM unless the activation
// is row-wise. G.n must be the whole row (ldc dense).
void gemm_bias_activation(const plan::Plan& p, Gemm G, const float* bias, int64_t act, float* z, float* y) {
  G.bias = bias;
  if (kernels::is_row_wise(act)) {
    float* pre = z ? z : y;
    G.c = pre;
    gemm(p, G);
    softmax_rows(p, pre, y, G.m, G.n, act == kLogSoftmax);
    return;
  }
  G.c = y;
  G.pre = z;
  G.act = act;
  gemm(p, G);
}

// dz = act'(dz) in place (z is the pre-activation, null unless the activation needs it),
// then db (+)= column sums of dz: kernels::activation_bias_backward.
void activation_bias_backward(const plan::Plan& p, int64_t act, const float* z, const float* y, float* dz, int64_t rows, int64_t n,
                              float* db, bool acc_db) {
  if (act != kLinear) activate_backward(p, act, z, y, dz, dz, rows * n, n, false);
  if (db) column_sums(p, dz, rows, n, db, acc_db);
}

// ---- grouped GEMMs (one batched GEMM, batch = groups) ---------------------------------------

// A GEMM batched over the groups. Each operand is row-major with the groups' slices side by
// side along its rows, `width` columns each (its row stride is groups * width), so group i
// works on the slices i * width along the rows of A, B and C.
struct Slices {
  const float* at;
  int64_t width;
};

Gemm grouped(const Geom& g, bool ta, bool tb, int64_t m, int64_t n, int64_t k, Slices a, Slices b, int64_t c_width) {
  Gemm G;
  G.trans_a = ta, G.trans_b = tb;
  G.m = m, G.n = n, G.k = k;
  G.a = a.at, G.lda = a.width * g.groups, G.stride_a = a.width;
  G.b = b.at, G.ldb = b.width * g.groups, G.stride_b = b.width;
  G.ldc = c_width * g.groups, G.stride_c = c_width;
  G.batch = g.groups;
  return G;
}

// C[:, group] = A[:, group's K-slice] · W[:, group], A (m x K), W (Kg x F), C (m x F).
Gemm grouped_forward(const Geom& g, int64_t m, const float* a, const float* w) {
  const int64_t kg = g.cols() / g.groups, fg = g.cs / g.groups;
  return grouped(g, false, false, m, fg, kg, {a, kg}, {w, fg}, fg);
}

// dW[:, group] (+)= cols[:, group]^T · dz[:, group]      (Kg x Fg per group, k = m)
void grouped_dw(const plan::Plan& p, const Geom& g, int64_t m, const float* cols, const float* dz, bool accumulate, float* dw) {
  const int64_t kg = g.cols() / g.groups, fg = g.cs / g.groups;
  Gemm G = grouped(g, true, false, kg, fg, m, {cols, kg}, {dz, fg}, fg);
  G.beta = accumulate ? 1.0f : 0.0f;
  G.c = dw;
  gemm(p, G);
}

// dcols[:, group] (+)= dz[:, group] · W[:, group]^T        (m x Kg per group, k = Fg)
void grouped_dcols(const plan::Plan& p, const Geom& g, int64_t m, const float* dz, const float* w, bool accumulate, float* dcols) {
  const int64_t kg = g.cols() / g.groups, fg = g.cs / g.groups;
  Gemm G = grouped(g, false, true, m, kg, fg, {dz, fg}, {w, fg}, kg);
  G.beta = accumulate ? 1.0f : 0.0f;
  G.c = dcols;
  gemm(p, G);
}

// The layer's output for m rows of columns a: GEMM, then bias and activation (fused into
// the GEMM without groups; a separate pass over the output with them).
void conv_rows(const plan::Plan& p, const Geom& g, int64_t m, const float* a, const float* w, const float* b, int64_t act, float* z,
               float* y) {
  Gemm G = grouped_forward(g, m, a, w);
  if (g.groups == 1) {
    gemm_bias_activation(p, G, b, act, z, y);
    return;
  }
  float* pre = z ? z : y;
  G.c = pre;
  gemm(p, G);
  bias_activation(p, pre, y, m, g.cs, b, act);
}

// ---- Conv1D/2D/3D -------------------------------------------------------------------------

// bufs [x, W, b or -1, z or -1, y, scratch or -1]; ints [geometry (21), act]
// big = x, small = y; cb = input channels, cs = filters. z keeps the pre-activation.
void conv_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 1, "conv_fwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerForward io = kernels::layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int64_t sp = g.small_pos(), K = g.cols(), f = g.cs, bsize = int64_t{g.big_pos()} * g.cb;
  const int64_t batch = p.count(in.bufs[0]) / bsize;
  if (batch <= 0) return;

  if (g.pointwise()) {
    conv_rows(p, g, batch * sp, x, w, b, act, z, y);
    return;
  }
  const int64_t chunk = chunk_samples(g, batch);
  float* cols = static_cast<float*>(scratch(p, 0, sizeof(float) * chunk * sp * K));
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), out = n0 * sp * f;
    im2col(p, g, x + n0 * bsize, nc, cols);
    conv_rows(p, g, nc * sp, cols, w, b, act, z ? z + out : nullptr, y + out);
  }
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1, scratch or -1]
// ints [geometry (21), act, accumulate dx, accumulate dW, accumulate db]
// dy is turned into dz in place: it is this layer's own gradient buffer and is not read again.
// dx is -1 when the input needs no gradient (the first layer): its GEMM and col2im are skipped.
void conv_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 4, "conv_bwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerAccumulate accum = kernels::layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const kernels::LayerBackward io = kernels::layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int64_t sp = g.small_pos(), K = g.cols(), f = g.cs, bsize = int64_t{g.big_pos()} * g.cb;
  const int64_t batch = p.count(in.bufs[0]) / bsize, rows = batch * sp;
  if (batch <= 0) return;

  activation_bias_backward(p, act, z, y, dz, rows, f, db, acc_db);
  if (!dw && !dx) return;

  if (g.pointwise()) {
    if (dw) grouped_dw(p, g, rows, x, dz, acc_dw, dw);
    if (dx) grouped_dcols(p, g, rows, dz, w, acc_dx, dx);
    return;
  }
  const int64_t chunk = chunk_samples(g, batch);
  float* cols = static_cast<float*>(scratch(p, 0, sizeof(float) * chunk * sp * K));
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), m = nc * sp;
    const float* dzc = dz + n0 * sp * f;
    if (dw) {
      im2col(p, g, x + n0 * bsize, nc, cols);
      grouped_dw(p, g, m, cols, dzc, acc_dw || n0 > 0, dw);
    }
    if (dx) {
      grouped_dcols(p, g, m, dzc, w, false, cols);
      Epilogue ep;
      ep.accumulate = acc_dx;
      col2im(p, g, cols, nc, dx + n0 * bsize, ep);
    }
  }
}

// ---- Conv1DTranspose/2D/3D ----------------------------------------------------------------

// bufs [x, W, b or -1, z or -1, y, scratch or -1]; ints [geometry (21), act]
// big = y, small = x; cb = filters, cs = input channels; groups 1. W is [k..., filters, in],
// i.e. a (kpos * filters) x in matrix, so the columns are x · W^T.
void conv_transpose_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 1, "conv_transpose_fwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerForward io = kernels::layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int64_t sp = g.small_pos(), bp = g.big_pos(), K = g.cols(), c = g.cs, f = g.cb;
  const int64_t batch = p.count(in.bufs[0]) / (sp * c);
  if (batch <= 0) return;

  // cols (m x K) = x (m x C) · W^T, W stored K x C.
  auto columns = [&](int64_t m, const float* xs) {
    Gemm G;
    G.trans_b = true;
    G.m = m, G.n = K, G.k = c;
    G.a = xs, G.b = w;
    return G;
  };
  if (g.pointwise()) {
    gemm_bias_activation(p, columns(batch * sp, x), b, act, z, y);
    return;
  }
  // The gather applies bias and activation as it stores; a row-wise activation runs after,
  // on the pre-activation it left in z (or y).
  const bool row_wise = kernels::is_row_wise(act);
  float* target = row_wise && z ? z : y;
  Epilogue ep;
  ep.bias = b;
  ep.pre = row_wise ? nullptr : z;
  ep.act = row_wise ? kLinear : act;
  const int64_t chunk = chunk_samples(g, batch);
  float* cols = static_cast<float*>(scratch(p, 0, sizeof(float) * chunk * sp * K));
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), out = n0 * bp * f;
    Gemm G = columns(nc * sp, x + n0 * sp * c);
    G.c = cols;
    gemm(p, G);
    Epilogue mine = ep;
    if (mine.pre) mine.pre += out;
    col2im(p, g, cols, nc, target + out, mine);
  }
  if (row_wise) softmax_rows(p, target, y, batch * bp, f, act == kLogSoftmax);
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1, scratch or -1]
// ints [geometry (21), act, accumulate dx, accumulate dW, accumulate db]
void conv_transpose_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 4, "conv_transpose_bwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerAccumulate accum = kernels::layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const kernels::LayerBackward io = kernels::layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int64_t sp = g.small_pos(), bp = g.big_pos(), K = g.cols(), c = g.cs, f = g.cb;
  const int64_t batch = p.count(in.bufs[0]) / (sp * c);
  if (batch <= 0) return;

  activation_bias_backward(p, act, z, y, dz, batch * bp, f, db, acc_db);
  if (!dw && !dx) return;

  // dW (K x C) (+)= cols(dz)^T · x; dx (m x C) (+)= cols(dz) · W, over m rows of columns.
  auto weight_grad = [&](int64_t m, const float* cols, const float* xs, bool accumulate) {
    Gemm G;
    G.trans_a = true;
    G.m = K, G.n = c, G.k = m;
    G.a = cols, G.b = xs;
    G.beta = accumulate ? 1.0f : 0.0f;
    G.c = dw;
    gemm(p, G);
  };
  auto data_grad = [&](int64_t m, const float* cols, float* dxs) {
    Gemm G;
    G.m = m, G.n = c, G.k = K;
    G.a = cols, G.b = w;
    G.beta = acc_dx ? 1.0f : 0.0f;
    G.c = dxs;
    gemm(p, G);
  };
  if (g.pointwise()) {
    if (dw) weight_grad(batch * sp, dz, x, acc_dw);
    if (dx) data_grad(batch * sp, dz, dx);
    return;
  }
  const int64_t chunk = chunk_samples(g, batch);
  float* cols = static_cast<float*>(scratch(p, 0, sizeof(float) * chunk * sp * K));
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), m = nc * sp;
    im2col(p, g, dz + n0 * bp * f, nc, cols);
    if (dw) weight_grad(m, cols, x + n0 * sp * c, acc_dw || n0 > 0);
    if (dx) data_grad(m, cols, dx + n0 * sp * c);
  }
}

STRATA_CUDA_KERNEL("conv_fwd", conv_fwd);
STRATA_CUDA_KERNEL("conv_bwd", conv_bwd);
STRATA_CUDA_KERNEL("conv_transpose_fwd", conv_transpose_fwd);
STRATA_CUDA_KERNEL("conv_transpose_bwd", conv_transpose_bwd);

}  // namespace
}  // namespace strata::cuda
