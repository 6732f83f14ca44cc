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

namespace strata::cuda {
namespace {

using kernels::kLinear;
using kernels::kLogSoftmax;

// ints [in d, h, w, channels, out d, h, w, depth multiplier, kernel d, h, w, strides d, h, w,
//       dilation d, h, w, padding before d, h, w]
constexpr size_t kGeomInts = 20;

// The geometry in 32-bit ints: index arithmetic within a launch stays 32-bit, offsets
// across samples are 64-bit.
struct Geom {
  int in[3], c;
  int out[3], dm;
  int k[3], s[3], d[3], pad[3];

  __host__ __device__ int in_pos() const { return in[0] * in[1] * in[2]; }
  __host__ __device__ int out_pos() const { return out[0] * out[1] * out[2]; }
  __host__ __device__ int kpos() const { return k[0] * k[1] * k[2]; }
  __host__ __device__ int cm() const { return c * dm; }
};

Geom parse_geom(const plan::Instr& in, size_t extra, const char* name) {
  if (in.ints.size() < kGeomInts + extra)
    throw std::runtime_error(std::string(name) + ": expected " + std::to_string(kGeomInts + extra) + " ints");
  const std::vector<int64_t>& v = in.ints;
  for (size_t i = 0; i < kGeomInts; ++i)
    if (v[i] < 0 || v[i] > INT32_MAX) throw std::runtime_error(std::string(name) + ": geometry value out of range");
  Geom g;
  for (int a = 0; a < 3; ++a) {
    g.in[a] = static_cast<int>(v[a]);
    g.out[a] = static_cast<int>(v[4 + a]);
    g.k[a] = static_cast<int>(v[8 + a]);
    g.s[a] = static_cast<int>(v[11 + a]);
    g.d[a] = static_cast<int>(v[14 + a]);
    g.pad[a] = static_cast<int>(v[17 + a]);
  }
  g.c = static_cast<int>(v[3]);
  g.dm = static_cast<int>(v[7]);
  const int64_t sample = std::max(int64_t{g.in[0]} * g.in[1] * g.in[2] * g.c, int64_t{g.out[0]} * g.out[1] * g.out[2] * g.c * g.dm);
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
  const float* x = p.f32(in.bufs[0]);
  const float* w = p.f32(in.bufs[1]);
  const float* b = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* z = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  float* y = p.f32(in.bufs[4]);
  const int64_t in_size = int64_t{g.in_pos()} * g.c, out_size = int64_t{g.out_pos()} * g.cm();
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
          uint32_t pos = e / cm;
          const uint32_t j = e - pos * cm, ci = j / g.dm;
          const int ow = static_cast<int>(pos % g.out[2]);
          pos /= g.out[2];
          const int oh = static_cast<int>(pos % g.out[1]);
          pos /= g.out[1];
          const int od = static_cast<int>(pos % g.out[0]);
          const uint32_t n = pos / g.out[0];
          const float* xn = xs + static_cast<int64_t>(n) * g.in_pos() * g.c + ci;
          float sum = 0.0f;
          for (int kd = 0; kd < g.k[0]; ++kd) {
            const int id = od * g.s[0] - g.pad[0] + kd * g.d[0];
            if (id < 0 || id >= g.in[0]) continue;
            for (int kh = 0; kh < g.k[1]; ++kh) {
              const int ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
              if (ih < 0 || ih >= g.in[1]) continue;
              for (int kw = 0; kw < g.k[2]; ++kw) {
                const int iw = ow * g.s[2] - g.pad[2] + kw * g.d[2];
                if (iw < 0 || iw >= g.in[2]) continue;
                sum += xn[((id * g.in[1] + ih) * g.in[2] + iw) * g.c] * w[((kd * g.k[1] + kh) * g.k[2] + kw) * cm + j];
              }
            }
          }
          if (b) sum += b[j];
          if (zs) zs[e] = sum;
          ys[e] = act_forward(a, sum);
        },
        "depthwise forward");
  }
  if (row_wise) softmax_rows(p, target, y, batch * g.out_pos(), g.cm(), act == kLogSoftmax);
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
      uint32_t pos = static_cast<uint32_t>(q);
      const int ow = static_cast<int>(pos % g.out[2]);
      pos /= g.out[2];
      const int oh = static_cast<int>(pos % g.out[1]);
      pos /= g.out[1];
      const int od = static_cast<int>(pos % g.out[0]);
      const uint32_t n = pos / g.out[0];
      const int id = od * g.s[0] - g.pad[0] + kd * g.d[0];
      const int ih = oh * g.s[1] - g.pad[1] + kh * g.d[1];
      const int iw = ow * g.s[2] - g.pad[2] + kw * g.d[2];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
      const int64_t at = static_cast<int64_t>(n) * g.in_pos() + (id * g.in[1] + ih) * g.in[2] + iw;
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
  const int64_t positions = batch * g.out_pos(), weights = int64_t{g.kpos()} * g.cm();
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
  const bool acc_dx = in.ints[kGeomInts + 1] != 0, acc_dw = in.ints[kGeomInts + 2] != 0, acc_db = in.ints[kGeomInts + 3] != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* w = p.f32(in.bufs[1]);
  const float* z = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  const float* y = p.f32(in.bufs[3]);
  float* dz = p.f32(in.bufs[4]);
  float* dx = in.bufs[5] >= 0 ? p.f32(in.bufs[5]) : nullptr;
  float* dw = in.bufs[6] >= 0 ? p.f32(in.bufs[6]) : nullptr;
  float* db = in.bufs[7] >= 0 ? p.f32(in.bufs[7]) : nullptr;
  const int64_t in_size = int64_t{g.in_pos()} * g.c, out_size = int64_t{g.out_pos()} * g.cm();
  const int64_t batch = p.count(in.bufs[0]) / in_size;
  if (batch <= 0) return;

  // dz = act'(dz) in place, then db (+)= its column sums (kernels::activation_bias_backward).
  const int64_t rows = batch * g.out_pos();
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
            uint32_t pos = e / g.c;
            const uint32_t ci = e - pos * g.c;
            const int iw = static_cast<int>(pos % g.in[2]);
            pos /= g.in[2];
            const int ih = static_cast<int>(pos % g.in[1]);
            pos /= g.in[1];
            const int id = static_cast<int>(pos % g.in[0]);
            const uint32_t n = pos / g.in[0];
            const float* dn = dzs + static_cast<int64_t>(n) * g.out_pos() * cm + ci * g.dm;
            const float* wc = w + ci * g.dm;
            float sum = 0.0f;
            for (int kd = 0; kd < g.k[0]; ++kd) {
              const int td = id + g.pad[0] - kd * g.d[0];
              if (td < 0) break;  // only falls further with kd
              if (td % g.s[0] != 0 || td / g.s[0] >= g.out[0]) continue;
              for (int kh = 0; kh < g.k[1]; ++kh) {
                const int th = ih + g.pad[1] - kh * g.d[1];
                if (th < 0) break;
                if (th % g.s[1] != 0 || th / g.s[1] >= g.out[1]) continue;
                for (int kw = 0; kw < g.k[2]; ++kw) {
                  const int tw = iw + g.pad[2] - kw * g.d[2];
                  if (tw < 0) break;
                  if (tw % g.s[2] != 0 || tw / g.s[2] >= g.out[2]) continue;
                  const int o = (td / g.s[0] * g.out[1] + th / g.s[1]) * g.out[2] + tw / g.s[2];
                  const float* d = dn + static_cast<int64_t>(o) * cm;
                  const float* wk = wc + ((kd * g.k[1] + kh) * g.k[2] + kw) * cm;
                  for (int m = 0; m < g.dm; ++m) sum += d[m] * wk[m];
                }
              }
            }
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
