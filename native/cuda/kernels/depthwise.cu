// Depthwise convolutions on the device (src/kernels/depthwise.cc): DepthwiseConv1D/2D and
// the first half of SeparableConv1D/2D, channels_last, forward next to backward. Each input
// channel c has its own depth_multiplier filters:
//
//   y[..., c * dm + m] = sum over the window of x[..., c] * W[k, c, m]
//
// No reduction runs over channels, so these are direct kernels, not GEMMs. Every rank runs
// as 3-D with leading axes of 1.
//
//   forward:  one thread per output value, bias and activation applied as it stores;
//   dx:       one thread per input value, gathering the outputs whose window covers it;
//   dW:       a block per (kernel position, tile of 32 channels) and part of the positions,
//             its threads striding over positions along the channels (coalesced), summed
//             in shared memory; the parts' sums are added by a second, small kernel.
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

// ints [window (20, see window.h)]: big = the input, small = the output; channels at 3,
// the depth multiplier at 7.
constexpr size_t kGeomInts = kernels::kWindowInts;

// The geometry in 32-bit ints: index arithmetic within a launch stays 32-bit, offsets
// across samples are 64-bit.
struct Geom : kernels::Window<int> {
  int c, dm;

  __host__ __device__ int cm() const { return c * dm; }
};

Geom parse_geom(const plan::Instr& in, size_t extra, const char* name) {
  kernels::check_window32(in.ints, kGeomInts + extra, name);
  Geom g;
  kernels::read_window(in.ints, g);
  g.c = static_cast<int>(in.ints[3]);
  g.dm = static_cast<int>(in.ints[7]);
  const int64_t sample = std::max(int64_t{g.big[0]} * g.big[1] * g.big[2] * g.c, int64_t{g.small[0]} * g.small[1] * g.small[2] * g.c * g.dm);
  if (sample > INT32_MAX) throw std::runtime_error(std::string(name) + ": one sample exceeds 2^31 values");
  return g;
}

// Samples one launch takes so that its values index in 32 bits.
int64_t launch_samples(int64_t per_sample, int64_t batch) {
  return std::clamp<int64_t>(INT32_MAX / std::max<int64_t>(per_sample, 1), 1, std::max<int64_t>(batch, 1));
}

// ---- forward ------------------------------------------------------------------------------

// bufs [x, W, b or -1, z or -1, y]; ints [geometry (20), act]
void depthwise_fwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 1, "depthwise_fwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerForward io = kernels::layer_forward(p, in);
  const float *x = io.x, *w = io.w, *b = io.b;
  float *z = io.z, *y = io.y;
  const int64_t in_size = int64_t{g.big_pos()} * g.c, out_size = int64_t{g.small_pos()} * g.cm();
  const int64_t batch = p.count(in.bufs[0]) / in_size;
  if (batch <= 0) return;

  // A row-wise activation runs after, on the pre-activation left in z (or y); element-wise
  // ones are applied as the values are stored, the pre-activation kept in z when given.
  const bool row_wise = kernels::is_row_wise(act);
  const int64_t a = row_wise ? kLinear : act;
  float* target = row_wise && z ? z : y;
  float* keep = row_wise ? nullptr : z;
  const int64_t chunk = launch_samples(out_size, batch);
  for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
    const int64_t nc = std::min(chunk, batch - n0);
    const float* xs = x + n0 * in_size;
    float* ys = target + n0 * out_size;
    float* zs = keep ? keep + n0 * out_size : nullptr;
    launch_each(
        p, nc * out_size,
        [=] __device__(int64_t i) {
          const uint32_t cm = g.cm(), e = static_cast<uint32_t>(i);
          const uint32_t pos = e / cm;
          const uint32_t j = e - pos * cm, ci = j / g.dm;
          int o[3];
          const uint32_t n = kernels::split_position(pos, g.small, o);
          const float* xn = xs + static_cast<int64_t>(n) * g.big_pos() * g.c + ci;
          float sum = 0.0f;
          kernels::for_window_taps(g, o[0], o[1], o[2], [&](int id, int ih, int iw, int k) {
            sum += xn[((id * g.big[1] + ih) * g.big[2] + iw) * g.c] * w[k * cm + j];
          });
          if (b) sum += b[j];
          if (zs) zs[e] = sum;
          ys[e] = act_forward(a, sum);
        },
        "depthwise forward");
  }
  if (row_wise) softmax_rows(p, target, y, batch * g.small_pos(), g.cm(), act == kLogSoftmax);
}

// ---- backward -----------------------------------------------------------------------------

// Channels and positions of a dW block: 32 channels along a warp, 8 rows of positions.
constexpr int kTileC = 32, kTileP = 8;
// About how many dW blocks to run (positions are split into parts until there are).
constexpr int64_t kTargetBlocks = 1024;

// Block (kernel position k, channel tile) of part blockIdx.y: sums x[i(o, k), c] * dz[o, j]
// over its share of the batch's output positions o, for the tile's channels j (c = j / dm).
// With one part the sum goes to dw (added when accumulating), else to partial[part][k, j].
__global__ void depthwise_dw_kernel(Geom g, const float* __restrict__ x, const float* __restrict__ dz, int64_t positions, int parts,
                                    float* __restrict__ out, bool accumulate) {
  __shared__ float sums[kTileP][kTileC];
  const int cm = g.cm(), tiles = (cm + kTileC - 1) / kTileC;
  const int k = blockIdx.x / tiles, j = (blockIdx.x % tiles) * kTileC + threadIdx.x;
  const int kw = k % g.k[2], kh = (k / g.k[2]) % g.k[1], kd = k / (g.k[2] * g.k[1]);
  const int64_t p0 = positions * blockIdx.y / parts, p1 = positions * (blockIdx.y + 1) / parts;
  float acc = 0.0f;
  if (j < cm) {
    const int ci = j / g.dm;
    for (int64_t q = p0 + threadIdx.y; q < p1; q += kTileP) {
      int o[3];
      const uint32_t n = kernels::split_position(static_cast<uint32_t>(q), g.small, o);
      const int id = o[0] * g.s[0] - g.pad[0] + kd * g.d[0];
      const int ih = o[1] * g.s[1] - g.pad[1] + kh * g.d[1];
      const int iw = o[2] * g.s[2] - g.pad[2] + kw * g.d[2];
      if (id < 0 || id >= g.big[0] || ih < 0 || ih >= g.big[1] || iw < 0 || iw >= g.big[2]) continue;
      const int64_t at = static_cast<int64_t>(n) * g.big_pos() + (id * g.big[1] + ih) * g.big[2] + iw;
      acc += x[at * g.c + ci] * dz[q * cm + j];
    }
  }
  sums[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || j >= cm) return;
  float s = 0.0f;
  for (int r = 0; r < kTileP; ++r) s += sums[r][threadIdx.x];
  const int64_t idx = static_cast<int64_t>(k) * cm + j;
  if (parts == 1) out[idx] = accumulate ? out[idx] + s : s;
  else out[static_cast<int64_t>(blockIdx.y) * g.kpos() * cm + idx] = s;
}

// dW (+)= the weight gradient, through depthwise_dw_kernel.
void depthwise_dw(plan::Plan& p, const Geom& g, const float* x, const float* dz, int64_t batch, float* dw, bool accumulate) {
  const int64_t positions = batch * g.small_pos(), weights = int64_t{g.kpos()} * g.cm();
  if (positions > INT32_MAX) throw std::runtime_error("depthwise_bwd: more than 2^31 output positions in a batch");
  const int64_t tiles = int64_t{g.kpos()} * ((g.cm() + kTileC - 1) / kTileC);
  if (tiles <= 0) return;
  // Each part keeps at least 32 positions per row of threads.
  const int parts = static_cast<int>(
      std::clamp<int64_t>(kTargetBlocks / tiles, 1, std::max<int64_t>(1, positions / (kTileP * 32))));
  float* out = dw;
  if (parts > 1) out = static_cast<float*>(scratch(p, 0, sizeof(float) * parts * weights));
  const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(parts)), block(kTileC, kTileP);
  depthwise_dw_kernel<<<grid, block, 0, stream(p)>>>(g, x, dz, positions, parts, out, accumulate);
  check_launch("depthwise dW");
  if (parts == 1) return;
  const float* partial = out;
  launch_each(
      p, weights,
      [=] __device__(int64_t i) {
        float s = 0.0f;
        for (int t = 0; t < parts; ++t) s += partial[t * weights + i];
        dw[i] = accumulate ? dw[i] + s : s;
      },
      "depthwise dW parts");
}

// bufs [x, W, z or -1, y, dy, dx or -1, dW or -1, db or -1]
// ints [geometry (20), act, accumulate dx, accumulate dW, accumulate db]
// dy is turned into dz in place (this layer's own gradient buffer, not read again).
void depthwise_bwd(plan::Plan& p, const plan::Instr& in) {
  const Geom g = parse_geom(in, 4, "depthwise_bwd");
  const int64_t act = in.ints[kGeomInts];
  const kernels::LayerAccumulate accum = kernels::layer_accumulate(in, kGeomInts + 1);
  const bool acc_dx = accum.dx, acc_dw = accum.dw, acc_db = accum.db;
  const kernels::LayerBackward io = kernels::layer_backward(p, in);
  const float *x = io.x, *w = io.w, *z = io.z, *y = io.y;
  float *dz = io.dz, *dx = io.dx, *dw = io.dw, *db = io.db;
  const int64_t in_size = int64_t{g.big_pos()} * g.c, out_size = int64_t{g.small_pos()} * g.cm();
  const int64_t batch = p.count(in.bufs[0]) / in_size;
  if (batch <= 0) return;

  // dz = act'(dz) in place, then db (+)= its column sums (kernels::activation_bias_backward).
  const int64_t rows = batch * g.small_pos();
  if (act != kLinear) activate_backward(p, act, z, y, dz, dz, rows * g.cm(), g.cm(), false);
  if (db) column_sums(p, dz, rows, g.cm(), db, acc_db);

  if (dw) depthwise_dw(p, g, x, dz, batch, dw, acc_dw);

  if (dx) {
    // dx[i, c] = sum over taps k and multipliers m of dz[o(i, k), c * dm + m] * W[k, c, m],
    // where o(i, k) = (i + pad - k * dilation) / stride must be a whole output position.
    const int64_t chunk = launch_samples(in_size, batch);
    for (int64_t n0 = 0; n0 < batch; n0 += chunk) {
      const int64_t nc = std::min(chunk, batch - n0);
      const float* dzs = dz + n0 * out_size;
      float* dxs = dx + n0 * in_size;
      launch_each(
          p, nc * in_size,
          [=] __device__(int64_t i) {
            const uint32_t cm = g.cm(), e = static_cast<uint32_t>(i);
            const uint32_t pos = e / g.c;
            const uint32_t ci = e - pos * g.c;
            int at[3];
            const uint32_t n = kernels::split_position(pos, g.big, at);
            const float* dn = dzs + static_cast<int64_t>(n) * g.small_pos() * cm + ci * g.dm;
            const float* wc = w + ci * g.dm;
            float sum = 0.0f;
            kernels::for_covering_taps(g, at[0], at[1], at[2], [&](int o, int k) {
              const float* d = dn + static_cast<int64_t>(o) * cm;
              const float* wk = wc + k * cm;
              for (int m = 0; m < g.dm; ++m) sum += d[m] * wk[m];
            });
            dxs[e] = acc_dx ? dxs[e] + sum : sum;
          },
          "depthwise dx");
    }
  }
}

STRATA_CUDA_KERNEL("depthwise_fwd", depthwise_fwd);
STRATA_CUDA_KERNEL("depthwise_bwd", depthwise_bwd);

}  // namespace
}  // namespace strata::cuda
