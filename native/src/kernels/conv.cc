// Convolutions (Conv1D/2D/3D, grouped) and transposed convolutions as GEMMs over
// im2col, forward and backward side by side, channels_last.
//
// Every rank is run as 3-D: a 1-D or 2-D convolution has leading spatial axes of size 1.
// A window slides over the "big" grid (a convolution's input, a transposed convolution's
// output) and stops at the positions of the "small" grid (a convolution's output, a
// transposed convolution's input). im2col copies, for every small position, the window
// of the big grid it sees into one row of a scratch matrix:
//
//   cols[n, small position][group, kd, kh, kw, channel of the group]     (zeros in padding)
//
// so that the kernel, stored [kd, kh, kw, in channels / groups, filters] as Keras keeps
// it, is that matrix's right-hand side as it is (a group's columns are a strided slice):
//
//   conv:                y      = cols(x) · W            (M = batch * small positions)
//   conv backward:       dW     = cols(x)^T · dy
//                        dx     = col2im(dy · W^T)        (col2im: scatter-add of rows)
//   transposed:          y      = col2im(x · W^T)         (W stored [k..., filters, in])
//   transposed backward: dW     = cols(dy)^T · x
//                        dx     = cols(dy) · W
//
// A transposed convolution is exactly the data-gradient of the convolution that maps its
// output back onto its input, with the same kernel, which is why both share these loops.
//
// Two ways to run them, picked by the JS side (conv.ts) from the kernel's size:
//
//  - tiled (small kernels, the common case; the scratch buffer id is -1): rows are cut
//    into tiles of about kTileFloats of columns, which live in a per-thread buffer that
//    stays in cache; each participant runs im2col, a one-thread GEMM and the epilogue on
//    its tiles. Whatever scatters (col2im) is split by sample, so no two participants
//    write the same values; weight gradients go to per-participant sums, added at the end.
//    Nothing round-trips through memory but the tensors themselves. (Split by sample, a
//    batch smaller than the thread count leaves threads idle; the forward of a
//    convolution is split by tile, and is not affected.)
//  - whole batch (large kernels, whose packing a threaded GEMM shares across threads): the
//    columns of the batch go to one scratch plan buffer shared by every convolution of the
//    plan (JS sizes it to the largest, capped; a batch that does not fit runs in chunks of
//    samples), then one threaded GEMM per group.
//
// 1x1 convolutions with stride 1 and no padding need no im2col (x already is the matrix):
// one threaded GEMM over the batch.
#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "layer_bufs.h"
#include "parallel.h"
#include "window.h"

namespace strata::kernels {

void column_sums(const float* a, int64_t rows, int64_t n, float* out, bool accumulate, int threads) {
  // Enough rows per participant that waking it pays off.
  const int64_t per = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1));
  const int parts = static_cast<int>(std::clamp<int64_t>(rows / per, 1, std::max(threads, 1)));
  std::vector<float> partial(static_cast<size_t>(parts) * n, 0.0f);
  cpu::parallel_run(parts, [&](int tid, int nt) {
    const int64_t r0 = rows * tid / nt, r1 = rows * (tid + 1) / nt;
    float* acc = partial.data() + static_cast<size_t>(tid) * n;
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = a + r * n;
      for (int64_t j = 0; j < n; ++j) acc[j] += row[j];
    }
  });
  if (!accumulate) std::fill(out, out + n, 0.0f);
  for (int t = 0; t < parts; ++t) {
    const float* acc = partial.data() + static_cast<size_t>(t) * n;
    for (int64_t j = 0; j < n; ++j) out[j] += acc[j];
  }
}

namespace {

// pre += bias; y = f(pre), row by row, with f known at compile time so the loops vectorize.
template <typename F>
void bias_map(float* pre, float* y, int64_t rows, int64_t n, const float* bias, int threads, F f) {
  for_rows(rows, n, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = pre + r * n;
      float* out = y + r * n;
      if (row == out) {
        if (bias) for (int64_t j = 0; j < n; ++j) row[j] = f(row[j] + bias[j]);
        else for (int64_t j = 0; j < n; ++j) row[j] = f(row[j]);
      } else if (bias) {
        for (int64_t j = 0; j < n; ++j) {
          const float v = row[j] + bias[j];
          row[j] = v;
          out[j] = f(v);
        }
      } else {
        for (int64_t j = 0; j < n; ++j) out[j] = f(row[j]);
      }
    }
  });
}

}  // namespace

void bias_activation(float* pre, float* y, int64_t rows, int64_t n, const float* bias, int64_t act, int threads) {
  switch (act) {
    case kLinear:
      if (bias || pre != y) bias_map(pre, y, rows, n, bias, threads, [](float v) { return v; });
      return;
    case kRelu:
      bias_map(pre, y, rows, n, bias, threads, [](float v) { return v > 0.0f ? v : 0.0f; });
      return;
    case kRelu6:
      bias_map(pre, y, rows, n, bias, threads, [](float v) { return std::clamp(v, 0.0f, 6.0f); });
      return;
    case kSoftmax:
    case kLogSoftmax:
      if (bias) bias_map(pre, pre, rows, n, bias, threads, [](float v) { return v; });
      softmax_rows(pre, y, rows, n, act == kLogSoftmax, threads);
      return;
    default:
      bias_map(pre, y, rows, n, bias, threads, [act](float v) { return act_forward(act, v); });
  }
}

void activation_bias_backward(int64_t act, const float* z, const float* y, float* dz, int64_t rows, int64_t n, float* db,
                              bool acc_db, int threads) {
  if (act != kLinear && act != kRelu) {
    activate_backward(act, z, y, dz, dz, rows * n, n, false, threads);
    if (db) column_sums(dz, rows, n, db, acc_db, threads);
    return;
  }
  if (!db) {
    if (act == kRelu) {
      for_range(rows * n, kElementGrain, threads, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dz[i] = y[i] > 0.0f ? dz[i] : 0.0f;
      });
    }
    return;
  }
  if (act == kLinear) {
    column_sums(dz, rows, n, db, acc_db, threads);
    return;
  }
  // relu: mask dz and sum its columns in the same pass.
  const int64_t per = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1));
  const int parts = static_cast<int>(std::clamp<int64_t>(rows / per, 1, std::max(threads, 1)));
  std::vector<float> partial(static_cast<size_t>(parts) * n, 0.0f);
  cpu::parallel_run(parts, [&](int tid, int nt) {
    float* acc = partial.data() + static_cast<size_t>(tid) * n;
    for (int64_t r = rows * tid / nt; r < rows * (tid + 1) / nt; ++r) {
      float* d = dz + r * n;
      const float* yr = y + r * n;
      for (int64_t j = 0; j < n; ++j) {
        const float v = yr[j] > 0.0f ? d[j] : 0.0f;
        d[j] = v;
        acc[j] += v;
      }
    }
  });
  if (!acc_db) std::fill(db, db + n, 0.0f);
  for (int t = 0; t < parts; ++t)
    for (int64_t j = 0; j < n; ++j) db[j] += partial[static_cast<size_t>(t) * n + j];
}

namespace {

// ints [window (20, see window.h), groups]: big channels at 3, small channels at 7.
constexpr size_t kGeomInts = kWindowInts + 1;

// Columns per tile in the tiled path: 256 KiB, which stays in a core's L2.
constexpr int64_t kTileFloats = 1 << 16;

struct Geom : Window<int64_t> {
  int64_t cb, cs;
  int64_t groups;

  // Columns of the im2col matrix: every group's window of cb / groups channels.
  int64_t cols() const { return kpos() * cb; }
  // 1x1, stride 1, no padding: the big grid is the small grid and im2col is the identity.
  bool pointwise() const {
    for (int a = 0; a < 3; ++a)
      if (k[a] != 1 || s[a] != 1 || pad[a] != 0 || big[a] != small[a]) return false;
    return true;
  }
  // Rows of a tile: about kTileFloats of columns, enough rows to keep the GEMM efficient.
  int64_t tile_rows() const { return std::clamp<int64_t>(kTileFloats / std::max<int64_t>(cols(), 1), 32, 4096); }
};

Geom parse_geom(const std::vector<int64_t>& v) {
  Geom g;
  read_window(v, g);
  g.cb = v[3];
  g.cs = v[7];
  g.groups = v[kWindowInts];
  return g;
}

// A per-thread buffer that persists across calls (the pool's threads live as long as the
// process), so tiles cost no allocation. Two slots: columns, and private weight gradients.
float* thread_buffer(int64_t floats, int slot) {
  thread_local std::vector<float> buffers[2];
  std::vector<float>& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < floats) b.resize(static_cast<size_t>(floats));
  return b.data();
}

// Rows [r0, r1) of the batch's im2col matrix (row r = sample r / small_pos, position
// r % small_pos) into out, row r at out + (r - r0) * cols. big is the batch's first sample.
void im2col_rows(const Geom& g, const float* big, int64_t r0, int64_t r1, float* out) {
  const int64_t sp = g.small_pos(), cg = g.cb / g.groups, kw = g.k[2];
  // Without groups and dilation along w, the window's w-run is contiguous in both the input
  // and the row: one copy per (kd, kh), with zeros only where it hangs over the edge.
  const bool runs = g.groups == 1 && g.d[2] == 1;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / sp;
    int64_t q = r % sp;
    const int64_t ow = q % g.small[2];
    q /= g.small[2];
    const int64_t oh = q % g.small[1], od = q / g.small[1];
    const float* xs = big + n * g.big_pos() * g.cb;
    const int64_t w0 = ow * g.s[2] - g.pad[2];
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      for (int64_t kd = 0; kd < g.k[0]; ++kd) {
        const int64_t id = od * g.s[0] - g.pad[0] + kd * g.d[0];
        for (int64_t kh = 0; kh < g.k[1]; ++kh) {
          const int64_t ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
          if (id < 0 || id >= g.big[0] || ih < 0 || ih >= g.big[1]) {
            std::memset(out, 0, sizeof(float) * kw * cg);
            out += kw * cg;
            continue;
          }
          const float* xrow = xs + (id * g.big[1] + ih) * g.big[2] * g.cb + gi * cg;
          if (runs) {
            const int64_t lo = std::clamp<int64_t>(-w0, 0, kw), hi = std::clamp<int64_t>(g.big[2] - w0, lo, kw);
            if (lo > 0) std::memset(out, 0, sizeof(float) * lo * cg);
            if (hi > lo) std::memcpy(out + lo * cg, xrow + (w0 + lo) * g.cb, sizeof(float) * (hi - lo) * cg);
            if (hi < kw) std::memset(out + hi * cg, 0, sizeof(float) * (kw - hi) * cg);
            out += kw * cg;
            continue;
          }
          for (int64_t j = 0; j < kw; ++j, out += cg) {
            const int64_t iw = w0 + j * g.d[2];
            if (iw < 0 || iw >= g.big[2]) std::memset(out, 0, sizeof(float) * cg);
            else std::memcpy(out, xrow + iw * g.cb, sizeof(float) * cg);
          }
        }
      }
    }
  }
}

// The adjoint of im2col_rows: adds rows [r0, r1) of a column matrix (row r at
// cols + (r - r0) * cols) back onto the big grid. Windows of one sample overlap, so rows
// of one sample must not be added by two threads at once.
void col2im_rows(const Geom& g, const float* cols, int64_t r0, int64_t r1, float* big) {
  const int64_t sp = g.small_pos(), cg = g.cb / g.groups;
  const float* in = cols;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / sp, q = r % sp;
    const int64_t ow = q % g.small[2], oh = (q / g.small[2]) % g.small[1], od = q / (g.small[2] * g.small[1]);
    float* xs = big + n * g.big_pos() * g.cb;
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      for (int64_t kd = 0; kd < g.k[0]; ++kd) {
        const int64_t id = od * g.s[0] - g.pad[0] + kd * g.d[0];
        for (int64_t kh = 0; kh < g.k[1]; ++kh) {
          const int64_t ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
          if (id < 0 || id >= g.big[0] || ih < 0 || ih >= g.big[1]) {
            in += g.k[2] * cg;
            continue;
          }
          float* xrow = xs + (id * g.big[1] + ih) * g.big[2] * g.cb + gi * cg;
          for (int64_t kw = 0; kw < g.k[2]; ++kw, in += cg) {
            const int64_t iw = ow * g.s[2] - g.pad[2] + kw * g.d[2];
            if (iw < 0 || iw >= g.big[2]) continue;
            float* dst = xrow + iw * g.cb;
            for (int64_t c = 0; c < cg; ++c) dst[c] += in[c];
          }
        }
      }
    }
  }
}

// Whole-batch im2col of `samples` samples into cols, rows split over the pool.
void im2col(const Geom& g, const float* big, int64_t samples, float* cols, int threads) {
  const int64_t K = g.cols();
  for_rows(samples * g.small_pos(), K, threads,
           [&](int64_t r0, int64_t r1) { im2col_rows(g, big, r0, r1, cols + r0 * K); });
}

// Whole-batch col2im (zeroing each sample first unless accumulating), split by sample.
void col2im(const Geom& g, const float* cols, int64_t samples, float* big, bool accumulate, int threads) {
  const int64_t sp = g.small_pos(), K = g.cols(), bsize = g.big_pos() * g.cb;
  for_range(samples, 1, threads, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      if (!accumulate) std::fill(big + n * bsize, big + (n + 1) * bsize, 0.0f);
      col2im_rows(g, cols + n * sp * K, n * sp, (n + 1) * sp, big);
    }
  });
}

// Samples per chunk in the whole-batch path: all of them when the scratch holds the
// whole batch's columns.
int64_t chunk_samples(const plan::Plan& p, int32_t scratch, int64_t per_sample, int64_t batch) {
  if (scratch < 0) return std::max<int64_t>(batch, 1);
  return std::clamp<int64_t>(p.count(scratch) / std::max<int64_t>(per_sample, 1), 1, std::max<int64_t>(batch, 1));
}

// One GEMM per group: C[:, group's columns] (+)= A[:, group's K-slice] · W[:, group's
// columns], A with row stride K, W [Kg x F], C [M x F]. Without groups, one dense GEMM.
void grouped_gemm(plan::Plan& p, int threads, const Geom& g, int64_t m, const float* a, const float* w, float* c) {
  const int64_t K = g.cols(), kg = K / g.groups, f = g.cs, fg = f / g.groups;
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    cpu::GemmArgs args;
    args.m = m, args.n = fg, args.k = kg;
    args.a = a + gi * kg, args.lda = K;
    args.b = w + gi * fg, args.ldb = f;
    args.c = c + gi * fg, args.ldc = f;
    cpu::sgemm(p.isa, threads, args);
  }
}

// C (m x n, row stride ldc) = A^T · B (+ C when accumulating), A stored k x m (stride lda),
// B stored k x n (stride ldb): a weight gradient in the whole-batch path, whose reduction
// runs over every position of the batch while C is small. The threaded GEMM splits C into
// tiles, of which there are then too few; here the reduction is split instead: each
// participant runs a one-thread GEMM over its own slab of k into a private C, and the
// private Cs are added at the end.
void gemm_tn_reduce(plan::Plan& p, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                    bool accumulate, float* c, int64_t ldc) {
  constexpr int64_t kMinSlab = 256;
  const int parts = static_cast<int>(std::clamp<int64_t>(k / kMinSlab, 1, std::max(p.threads, 1)));
  cpu::GemmArgs args;
  args.trans_a = true;
  args.m = m, args.n = n;
  args.lda = lda, args.ldb = ldb;
  if (parts == 1 || k < 4 * std::max(m, n)) {
    args.k = k, args.a = a, args.b = b;
    args.beta = accumulate ? 1.0f : 0.0f;
    args.c = c, args.ldc = ldc;
    cpu::sgemm(p.isa, p.threads, args);
    return;
  }
  std::vector<float> partial(static_cast<size_t>(parts) * m * n, 0.0f);
  cpu::parallel_run(parts, [&](int tid, int nt) {
    const int64_t k0 = k * tid / nt, k1 = k * (tid + 1) / nt;
    cpu::GemmArgs mine = args;
    mine.k = k1 - k0, mine.a = a + k0 * lda, mine.b = b + k0 * ldb;
    mine.c = partial.data() + static_cast<size_t>(tid) * m * n, mine.ldc = n;
    cpu::sgemm(p.isa, 1, mine);
  });
  for_rows(m, n * parts, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* out = c + r * ldc;
      if (!accumulate) std::fill(out, out + n, 0.0f);
      for (int t = 0; t < parts; ++t) {
        const float* part = partial.data() + (static_cast<size_t>(t) * m + r) * n;
        for (int64_t j = 0; j < n; ++j) out[j] += part[j];
      }
    }
  });
}

// The transposes of grouped_gemm a backward needs, on `threads` threads:
//   dW[:, group] (+)= cols[:, group]^T · dz[:, group]        (Kg x Fg, k = m)
//   dcols[:, group] = dz[:, group] · W[:, group]^T            (M x Kg, k = Fg)
void grouped_gemm_dw(plan::Plan& p, int threads, const Geom& g, int64_t m, const float* cols, const float* dz, bool accumulate,
                     float* dw) {
  const int64_t K = g.cols(), kg = K / g.groups, f = g.cs, fg = f / g.groups;
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    if (threads > 1) {
      gemm_tn_reduce(p, kg, fg, m, cols + gi * kg, K, dz + gi * fg, f, accumulate, dw + gi * fg, f);
      continue;
    }
    cpu::GemmArgs args;
    args.trans_a = true;
    args.m = kg, args.n = fg, args.k = m;
    args.a = cols + gi * kg, args.lda = K;
    args.b = dz + gi * fg, args.ldb = f;
    args.beta = accumulate ? 1.0f : 0.0f;
    args.c = dw + gi * fg, args.ldc = f;
    cpu::sgemm(p.isa, threads, args);
  }
}

void grouped_gemm_dcols(plan::Plan& p, int threads, const Geom& g, int64_t m, const float* dz, const float* w, bool accumulate,
                        float* dcols) {
  const int64_t K = g.cols(), kg = K / g.groups, f = g.cs, fg = f / g.groups;
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    cpu::GemmArgs args;
    args.trans_b = true;
    args.m = m, args.n = kg, args.k = fg;
    args.a = dz + gi * fg, args.lda = f;
    args.b = w + gi * fg, args.ldb = f;
    args.beta = accumulate ? 1.0f : 0.0f;
    args.c = dcols + gi * kg, args.ldc = K;
    cpu::sgemm(p.isa, threads, args);
  }
}

// Runs fn(n0, n1, private dW or null) on contiguous runs of samples, one run per
// participant, then adds the participants' private weight gradients (rows x cols each,
// zeroed before fn) into dw (or overwrites it unless accumulating).
template <typename F>
void for_samples_with_dw(plan::Plan& p, int64_t batch, float* dw, int64_t rows, int64_t cols, bool accumulate, F&& fn) {
  const int want = static_cast<int>(std::clamp<int64_t>(batch, 1, std::max(p.threads, 1)));
  std::vector<float*> partials(static_cast<size_t>(want), nullptr);
  const int used = cpu::parallel_run(want, [&](int tid, int nt) {
    float* acc = nullptr;
    if (dw) {
      acc = thread_buffer(rows * cols, 1);
      std::fill(acc, acc + rows * cols, 0.0f);
      partials[static_cast<size_t>(tid)] = acc;
    }
    fn(batch * tid / nt, batch * (tid + 1) / nt, acc);
  });
  if (!dw) return;
  for_rows(rows, cols * used, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* out = dw + r * cols;
      if (!accumulate) std::fill(out, out + cols, 0.0f);
      for (int t = 0; t < used; ++t) {
        const float* part = partials[static_cast<size_t>(t)] + r * cols;
        for (int64_t j = 0; j < cols; ++j) out[j] += part[j];
      }
    }
  });
}

// ---- Conv1D/2D/3D -------------------------------------------------------------------------

// bufs [x, W, b or -1, z or -1, y, scratch or -1]; ints [geometry (21), act]
// big = x, small = y; cb = input channels, cs = filters. z keeps the pre-activation for
// activations whose backward needs it. scratch -1: pointwise, or the tiled path.
void conv_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerForward io = layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int32_t scratch = in.bufs[5];
  const int64_t sp = g.small_pos(), K = g.cols(), f = g.cs;
  const int64_t batch = p.count(in.bufs[0]) / (g.big_pos() * g.cb), rows = batch * sp;
  float* pre = z ? z : y;

  if (g.pointwise()) {
    grouped_gemm(p, p.threads, g, rows, x, w, pre);
    bias_activation(pre, y, rows, f, b, act, p.threads);
    return;
  }
  if (scratch < 0) {
    // Tiled: tiles of rows handed out one at a time; each is im2col'd, multiplied and
    // finished (bias, activation) by one thread while its columns are in cache.
    const int64_t tr = g.tile_rows(), tiles = (rows + tr - 1) / tr;
    std::atomic<int64_t> next{0};
    cpu::parallel_run(static_cast<int>(std::min<int64_t>(tiles, p.threads)), [&](int, int) {
      float* cols = thread_buffer(tr * K, 0);
      for (int64_t t = next++; t < tiles; t = next++) {
        const int64_t r0 = t * tr, r1 = std::min(rows, r0 + tr);
        im2col_rows(g, x, r0, r1, cols);
        grouped_gemm(p, 1, g, r1 - r0, cols, w, pre + r0 * f);
        bias_activation(pre + r0 * f, y + r0 * f, r1 - r0, f, b, act, 1);
      }
    });
    return;
  }
  const int64_t chunk = chunk_samples(p, scratch, sp * K, batch);
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), m = nc * sp;
    float* cols = p.f32(scratch);
    im2col(g, x + n0 * g.big_pos() * g.cb, nc, cols, p.threads);
    grouped_gemm(p, p.threads, g, m, cols, w, pre + n0 * sp * f);
    bias_activation(pre + n0 * sp * f, y + n0 * sp * f, m, f, b, act, p.threads);
  }
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1, scratch or -1]
// ints [geometry (21), act, accumulate dx, accumulate dW, accumulate db]
// dy is turned into dz in place: it is this layer's own gradient buffer and is not read again.
// dx is -1 when the input needs no gradient (the first layer): its GEMM and col2im are skipped.
void conv_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerAccumulate accum = layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const LayerBackward io = layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int32_t scratch = in.bufs[8];
  const int64_t sp = g.small_pos(), K = g.cols(), kg = K / g.groups, f = g.cs;
  const int64_t batch = p.count(in.bufs[0]) / (g.big_pos() * g.cb), rows = batch * sp;
  const int64_t bsize = g.big_pos() * g.cb;

  activation_bias_backward(act, z, y, dz, rows, f, db, acc_db, p.threads);
  if (!dw && !dx) return;

  if (g.pointwise()) {
    if (dw) grouped_gemm_dw(p, p.threads, g, rows, x, dz, acc_dw, dw);
    if (dx) grouped_gemm_dcols(p, p.threads, g, rows, dz, w, acc_dx, dx);
    return;
  }
  if (scratch < 0) {
    // Tiled, split by sample (col2im of one sample must stay on one thread). Per tile:
    // its columns → private dW; then the same buffer takes dz · W^T, scattered into dx.
    const int64_t tr = g.tile_rows();
    for_samples_with_dw(p, batch, dw, kg, f, acc_dw, [&](int64_t n0, int64_t n1, float* dw_mine) {
      float* cols = thread_buffer(tr * K, 0);
      for (int64_t n = n0; n < n1; ++n) {
        if (dx && !acc_dx) std::fill(dx + n * bsize, dx + (n + 1) * bsize, 0.0f);
        for (int64_t r0 = n * sp; r0 < (n + 1) * sp; r0 += tr) {
          const int64_t r1 = std::min((n + 1) * sp, r0 + tr);
          if (dw_mine) {
            im2col_rows(g, x, r0, r1, cols);
            grouped_gemm_dw(p, 1, g, r1 - r0, cols, dz + r0 * f, true, dw_mine);
          }
          if (dx) {
            grouped_gemm_dcols(p, 1, g, r1 - r0, dz + r0 * f, w, false, cols);
            col2im_rows(g, cols, r0, r1, dx);
          }
        }
      }
    });
    return;
  }
  const int64_t chunk = chunk_samples(p, scratch, sp * K, batch);
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), m = nc * sp;
    const float* dzc = dz + n0 * sp * f;
    float* cols = p.f32(scratch);
    if (dw) {
      im2col(g, x + n0 * bsize, nc, cols, p.threads);
      grouped_gemm_dw(p, p.threads, g, m, cols, dzc, acc_dw || n0 > 0, dw);
    }
    if (dx) {
      grouped_gemm_dcols(p, p.threads, g, m, dzc, w, false, cols);
      col2im(g, cols, nc, dx + n0 * bsize, acc_dx, p.threads);
    }
  }
}

// ---- Conv1DTranspose/2D/3D ----------------------------------------------------------------

// bufs [x, W, b or -1, z or -1, y, scratch or -1]; ints [geometry (21), act]
// big = y, small = x; cb = filters, cs = input channels; groups 1. W is [k..., filters, in],
// i.e. a (kpos * filters) x in matrix, so the columns are x · W^T.
void conv_transpose_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerForward io = layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int32_t scratch = in.bufs[5];
  const int64_t sp = g.small_pos(), bp = g.big_pos(), K = g.cols(), c = g.cs, f = g.cb;
  const int64_t batch = p.count(in.bufs[0]) / (sp * c);
  float* pre = z ? z : y;

  if (g.pointwise()) {
    cpu::sgemm(p.isa, p.threads, false, true, batch * sp, K, c, 1.0f, x, w, 0.0f, pre);
    bias_activation(pre, y, batch * bp, f, b, act, p.threads);
    return;
  }
  if (scratch < 0) {
    // Tiled, split by sample: each sample's output is zeroed, gets every tile's columns
    // scattered in, then its bias and activation.
    const int64_t tr = g.tile_rows();
    for_samples_with_dw(p, batch, nullptr, 0, 0, false, [&](int64_t n0, int64_t n1, float*) {
      float* cols = thread_buffer(tr * K, 0);
      for (int64_t n = n0; n < n1; ++n) {
        std::fill(pre + n * bp * f, pre + (n + 1) * bp * f, 0.0f);
        for (int64_t r0 = n * sp; r0 < (n + 1) * sp; r0 += tr) {
          const int64_t r1 = std::min((n + 1) * sp, r0 + tr);
          cpu::sgemm(p.isa, 1, false, true, r1 - r0, K, c, 1.0f, x + r0 * c, w, 0.0f, cols);
          col2im_rows(g, cols, r0, r1, pre);
        }
        bias_activation(pre + n * bp * f, y + n * bp * f, bp, f, b, act, 1);
      }
    });
    return;
  }
  const int64_t chunk = chunk_samples(p, scratch, sp * K, batch);
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0);
    float* out = pre + n0 * bp * f;
    float* cols = p.f32(scratch);
    cpu::sgemm(p.isa, p.threads, false, true, nc * sp, K, c, 1.0f, x + n0 * sp * c, w, 0.0f, cols);
    col2im(g, cols, nc, out, false, p.threads);
    bias_activation(out, y + n0 * bp * f, nc * bp, f, b, act, p.threads);
  }
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1, scratch or -1]
// ints [geometry (21), act, accumulate dx, accumulate dW, accumulate db]
void conv_transpose_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in.ints);
  const int64_t act = in.ints[kGeomInts];
  const LayerAccumulate accum = layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const LayerBackward io = layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int32_t scratch = in.bufs[8];
  const int64_t sp = g.small_pos(), bp = g.big_pos(), K = g.cols(), c = g.cs, f = g.cb;
  const int64_t batch = p.count(in.bufs[0]) / (sp * c);

  activation_bias_backward(act, z, y, dz, batch * bp, f, db, acc_db, p.threads);
  if (!dw && !dx) return;

  // dW (K x C) = cols(dz)^T · x; dx (M x C) = cols(dz) · W.
  if (g.pointwise()) {
    if (dw) gemm_tn_reduce(p, K, c, batch * sp, dz, K, x, c, acc_dw, dw, c);
    if (dx) cpu::sgemm(p.isa, p.threads, false, false, batch * sp, c, K, 1.0f, dz, w, acc_dx ? 1.0f : 0.0f, dx);
    return;
  }
  if (scratch < 0) {
    const int64_t tr = g.tile_rows();
    for_samples_with_dw(p, batch, dw, K, c, acc_dw, [&](int64_t n0, int64_t n1, float* dw_mine) {
      float* cols = thread_buffer(tr * K, 0);
      for (int64_t r0 = n0 * sp; r0 < n1 * sp; r0 += tr) {
        const int64_t r1 = std::min(n1 * sp, r0 + tr);
        im2col_rows(g, dz, r0, r1, cols);
        if (dw_mine) cpu::sgemm(p.isa, 1, true, false, K, c, r1 - r0, 1.0f, cols, x + r0 * c, 1.0f, dw_mine);
        if (dx) cpu::sgemm(p.isa, 1, false, false, r1 - r0, c, K, 1.0f, cols, w, acc_dx ? 1.0f : 0.0f, dx + r0 * c);
      }
    });
    return;
  }
  const int64_t chunk = chunk_samples(p, scratch, sp * K, batch);
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0), m = nc * sp;
    const float* xc = x + n0 * sp * c;
    float* cols = p.f32(scratch);
    im2col(g, dz + n0 * bp * f, nc, cols, p.threads);
    if (dw) gemm_tn_reduce(p, K, c, m, cols, K, xc, c, acc_dw || n0 > 0, dw, c);
    if (dx) cpu::sgemm(p.isa, p.threads, false, false, m, c, K, 1.0f, cols, w, acc_dx ? 1.0f : 0.0f, dx + n0 * sp * c);
  }
}

STRATA_KERNEL("conv_fwd", conv_fwd);
STRATA_KERNEL("conv_bwd", conv_bwd);
STRATA_KERNEL("conv_transpose_fwd", conv_transpose_fwd);
STRATA_KERNEL("conv_transpose_bwd", conv_transpose_bwd);

}  // namespace
}  // namespace strata::kernels
