// Device GEMM: C = alpha * op(A) op(B) + beta * C with a fused epilogue (bias per column,
// the pre-activation kept, an element-wise activation), batched with strides over grid.z.
//
// Two engines share one argument block and one epilogue:
//   - FP32 (SIMT): shared-memory tiles, register blocking (8x8 or 4x4 outputs per thread),
//     double-buffered shared memory with the next tile prefetched into registers. Three
//     tile sizes (128, 64, 32 square) so that small problems still fill the GPU.
//   - Tensor cores (WMMA): TF32 (m16n16k8) or BF16 (m16n16k16) fragments on operands that
//     are FP32 in memory and rounded as they are staged into shared memory; FP32
//     accumulators. The transposed operands are staged as they lie and read through
//     column-major fragments, so every staging store is a plain vector store.
// Loads are float4 when the operand is 16-byte aligned with a leading dimension that is a
// multiple of 4 and the four values are inside the matrix; scalar with bounds otherwise.
//
// Split-K: when a plan's GEMM has too few output tiles to fill the GPU and a long K (the
// weight gradients of convolutions), K is cut into chunks whose partial products go to
// workspace (scratch slot 6) and a second kernel sums them and applies the epilogue.
#include <cuda_bf16.h>
#include <mma.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <type_traits>

#include "kernel.cuh"
#include "gemm.cuh"
#include "activation.cuh"

namespace strata::cuda {
namespace {

namespace wmma = nvcuda::wmma;

// What every GEMM kernel reads. Block z covers batch z / splits, K chunk z % splits; its C
// is c + z * stride_c (the batch's C, or its chunk's slice of the split-K workspace).
struct Args {
  const float* a;
  const float* b;
  float* c;
  float* pre;
  const float* bias;
  int64_t lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c;
  int m, n, k;
  int k_chunk, splits;
  float alpha, beta;
  int act;
  bool vec_a, vec_b, vec_c;
};

// v = alpha * acc (+ beta * C) (+ bias); pre <- v; C <- act(v). beta == 0 never reads C.
__device__ inline void finish(const Args& p, float acc, float* c, float* pre, int64_t off, int col) {
  float v = p.alpha * acc;
  if (p.beta != 0.0f) v += p.beta * c[off];
  if (p.bias) v += p.bias[col];
  if (pre) pre[off] = v;
  c[off] = act_forward(p.act, v);
}

// The same for four adjacent columns, 16-byte aligned (vec_c).
__device__ inline void finish4(const Args& p, const float* acc, float* c, float* pre, int64_t off, int col) {
  float v[4];
  for (int j = 0; j < 4; ++j) v[j] = p.alpha * acc[j];
  if (p.beta != 0.0f) {
    const float4 old = *reinterpret_cast<const float4*>(c + off);
    v[0] += p.beta * old.x;
    v[1] += p.beta * old.y;
    v[2] += p.beta * old.z;
    v[3] += p.beta * old.w;
  }
  if (p.bias) {
    for (int j = 0; j < 4; ++j) v[j] += p.bias[col + j];
  }
  if (pre) *reinterpret_cast<float4*>(pre + off) = make_float4(v[0], v[1], v[2], v[3]);
  *reinterpret_cast<float4*>(c + off) =
      make_float4(act_forward(p.act, v[0]), act_forward(p.act, v[1]), act_forward(p.act, v[2]), act_forward(p.act, v[3]));
}

// This block's operands, outputs and K range.
struct BlockView {
  const float* a;
  const float* b;
  float* c;
  float* pre;
  int k0, k1;
};

__device__ inline BlockView block_view(const Args& p) {
  const int z = blockIdx.z;
  const int batch = z / p.splits, chunk = z - batch * p.splits;
  BlockView v;
  v.a = p.a + batch * p.stride_a;
  v.b = p.b + batch * p.stride_b;
  v.c = p.c + z * p.stride_c;
  v.pre = p.pre ? p.pre + z * p.stride_c : nullptr;
  v.k0 = chunk * p.k_chunk;
  v.k1 = min(p.k, v.k0 + p.k_chunk);
  return v;
}

// How staged values are written to shared memory: as they are (SIMT), or rounded for the
// tensor cores.
struct AsFloat {
  using T = float;
  __device__ static void put(float* d, float4 v) { *reinterpret_cast<float4*>(d) = v; }
};
struct AsTf32 {
  using T = float;
  __device__ static void put(float* d, float4 v) {
    *reinterpret_cast<float4*>(d) =
        make_float4(wmma::__float_to_tf32(v.x), wmma::__float_to_tf32(v.y), wmma::__float_to_tf32(v.z), wmma::__float_to_tf32(v.w));
  }
};
struct AsBf16 {
  using T = __nv_bfloat16;
  __device__ static void put(__nv_bfloat16* d, float4 v) {
    __nv_bfloat162* d2 = reinterpret_cast<__nv_bfloat162*>(d);
    d2[0] = __floats2bfloat162_rn(v.x, v.y);
    d2[1] = __floats2bfloat162_rn(v.z, v.w);
  }
};

// An R x C tile of a row-major matrix, C the contiguous direction, moved global ->
// registers (load, issued a tile ahead) -> shared memory (store). Each thread holds kPer
// groups of four consecutive values.
template <int R, int C, int kThreads>
struct TileLoad {
  static_assert(C % 4 == 0, "tiles are loaded in groups of four");
  static constexpr int kGroups = R * C / 4;
  static constexpr int kPer = (kGroups + kThreads - 1) / kThreads;
  float4 v[kPer];

  // Tile element (r, c) is src[(r0 + r) * ld + c0 + c]; zero outside rows x cols.
  __device__ void load(const float* src, int64_t ld, int r0, int rows, int c0, int cols, bool vec) {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int s = threadIdx.x + i * kThreads;
      v[i] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      if (s >= kGroups) continue;
      const int r = r0 + s / (C / 4), c = c0 + (s % (C / 4)) * 4;
      if (r >= rows) continue;
      const float* q = src + static_cast<int64_t>(r) * ld + c;
      if (vec && c + 3 < cols) {
        v[i] = *reinterpret_cast<const float4*>(q);
      } else {
        if (c < cols) v[i].x = q[0];
        if (c + 1 < cols) v[i].y = q[1];
        if (c + 2 < cols) v[i].z = q[2];
        if (c + 3 < cols) v[i].w = q[3];
      }
    }
  }

  // As laid out: dst[r * Stride + c].
  template <int Stride, typename Put>
  __device__ void store(typename Put::T* dst) const {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int s = threadIdx.x + i * kThreads;
      if (s >= kGroups) continue;
      Put::put(dst + (s / (C / 4)) * Stride + (s % (C / 4)) * 4, v[i]);
    }
  }

  // Transposed: dst[c * R + r].
  __device__ void store_transposed(float* dst) const {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int s = threadIdx.x + i * kThreads;
      if (s >= kGroups) continue;
      const int r = s / (C / 4), c = (s % (C / 4)) * 4;
      dst[(c + 0) * R + r] = v[i].x;
      dst[(c + 1) * R + r] = v[i].y;
      dst[(c + 2) * R + r] = v[i].z;
      dst[(c + 3) * R + r] = v[i].w;
    }
  }
};

// ---- FP32 SIMT --------------------------------------------------------------------------------

// Block tile BM x BN, K step BK; each thread owns TM x TN outputs in groups of four rows and
// four columns, the groups 4 * (threads along that side) apart, so that the float4 reads
// of a warp from shared memory hit distinct banks.
template <int BM, int BN, int BK, int TM, int TN, bool TA, bool TB>
__global__ void __launch_bounds__((BM / TM) * (BN / TN)) simt_gemm(Args p) {
  constexpr int kTn = BN / TN, kTm = BM / TM, kThreadsPerBlock = kTn * kTm;
  // Shared tiles are K-major ([k][m], [k][n]) so a thread reads its rows and columns as float4.
  __shared__ __align__(16) float as[2][BK][BM];
  __shared__ __align__(16) float bs[2][BK][BN];
  const BlockView blk = block_view(p);
  const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
  const int tx = threadIdx.x % kTn, ty = threadIdx.x / kTn;

  TileLoad<TA ? BK : BM, TA ? BM : BK, kThreadsPerBlock> la;
  TileLoad<TB ? BN : BK, TB ? BK : BN, kThreadsPerBlock> lb;
  auto fetch = [&](int kb) {
    if constexpr (TA) la.load(blk.a, p.lda, kb, blk.k1, m0, p.m, p.vec_a);
    else la.load(blk.a, p.lda, m0, p.m, kb, blk.k1, p.vec_a);
    if constexpr (TB) lb.load(blk.b, p.ldb, n0, p.n, kb, blk.k1, p.vec_b);
    else lb.load(blk.b, p.ldb, kb, blk.k1, n0, p.n, p.vec_b);
  };
  auto stage = [&](int buf) {
    if constexpr (TA) la.template store<BM, AsFloat>(&as[buf][0][0]);
    else la.store_transposed(&as[buf][0][0]);
    if constexpr (TB) lb.store_transposed(&bs[buf][0][0]);
    else lb.template store<BN, AsFloat>(&bs[buf][0][0]);
  };

  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i) {
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;
  }

  const int tiles = (blk.k1 - blk.k0 + BK - 1) / BK;
  if (tiles > 0) {
    fetch(blk.k0);
    stage(0);
  }
  __syncthreads();
  for (int t = 0; t < tiles; ++t) {
    const int buf = t & 1;
    if (t + 1 < tiles) fetch(blk.k0 + (t + 1) * BK);
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float ra[TM], rb[TN];
#pragma unroll
      for (int g = 0; g < TM / 4; ++g) {
        const float4 v = *reinterpret_cast<const float4*>(&as[buf][kk][ty * 4 + g * kTm * 4]);
        ra[g * 4 + 0] = v.x;
        ra[g * 4 + 1] = v.y;
        ra[g * 4 + 2] = v.z;
        ra[g * 4 + 3] = v.w;
      }
#pragma unroll
      for (int g = 0; g < TN / 4; ++g) {
        const float4 v = *reinterpret_cast<const float4*>(&bs[buf][kk][tx * 4 + g * kTn * 4]);
        rb[g * 4 + 0] = v.x;
        rb[g * 4 + 1] = v.y;
        rb[g * 4 + 2] = v.z;
        rb[g * 4 + 3] = v.w;
      }
#pragma unroll
      for (int i = 0; i < TM; ++i) {
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
      }
    }
    // The other buffer was last read in iteration t - 1, which every thread has finished.
    if (t + 1 < tiles) stage(buf ^ 1);
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; ++i) {
    const int row = m0 + ty * 4 + (i / 4) * kTm * 4 + (i % 4);
    if (row >= p.m) continue;
#pragma unroll
    for (int g = 0; g < TN / 4; ++g) {
      const int col = n0 + tx * 4 + g * kTn * 4;
      const int64_t off = static_cast<int64_t>(row) * p.ldc + col;
      if (p.vec_c && col + 3 < p.n) {
        finish4(p, &acc[i][g * 4], blk.c, blk.pre, off, col);
      } else {
        for (int j = 0; j < 4; ++j) {
          if (col + j < p.n) finish(p, acc[i][g * 4 + j], blk.c, blk.pre, off + j, col + j);
        }
      }
    }
  }
}

// ---- tensor cores (WMMA) ----------------------------------------------------------------------

template <typename Put>
struct Wmma;
template <>
struct Wmma<AsTf32> {
  using Elem = wmma::precision::tf32;
  static constexpr int kStep = 8;  // K of one m16n16k8 product
  static constexpr int kPad = 4;   // shared rows padded by 16 bytes against bank conflicts
};
template <>
struct Wmma<AsBf16> {
  using Elem = __nv_bfloat16;
  static constexpr int kStep = 16;
  static constexpr int kPad = 8;
};

// Block tile BM x BN over WM x WN warps, K step two fragments deep. A is staged [m][k]
// (row-major fragments) or, when transposed, [k][m] as stored (column-major fragments);
// B likewise [k][n] or [n][k].
template <typename Put, int BM, int BN, int WM, int WN, bool TA, bool TB>
__global__ void __launch_bounds__(WM * WN * 32) wmma_gemm(Args p) {
  using T = typename Put::T;
  using W = Wmma<Put>;
  constexpr int kThreadsPerBlock = WM * WN * 32;
  constexpr int BK = 2 * W::kStep;
  constexpr int kWarpM = BM / WM, kWarpN = BN / WN;
  constexpr int FM = kWarpM / 16, FN = kWarpN / 16;
  // Staged tiles (rows x (cols + pad)) in the order TileLoad sees them.
  constexpr int kRa = TA ? BK : BM, kCa = TA ? BM : BK, kRb = TB ? BN : BK, kCb = TB ? BK : BN;
  constexpr int kLda = kCa + W::kPad, kLdb = kCb + W::kPad;
  constexpr int kStageA = kRa * kLda, kStageB = kRb * kLdb;
  constexpr int kTileBytes = 2 * (kStageA + kStageB) * static_cast<int>(sizeof(T));
  constexpr int kEpilogueBytes = WM * WN * 256 * static_cast<int>(sizeof(float));
  __shared__ __align__(128) unsigned char smem[kTileBytes > kEpilogueBytes ? kTileBytes : kEpilogueBytes];
  T* as = reinterpret_cast<T*>(smem);
  T* bs = as + 2 * kStageA;

  using Layout_a = std::conditional_t<TA, wmma::col_major, wmma::row_major>;
  using Layout_b = std::conditional_t<TB, wmma::col_major, wmma::row_major>;
  using FragA = wmma::fragment<wmma::matrix_a, 16, 16, W::kStep, typename W::Elem, Layout_a>;
  using FragB = wmma::fragment<wmma::matrix_b, 16, 16, W::kStep, typename W::Elem, Layout_b>;
  using FragC = wmma::fragment<wmma::accumulator, 16, 16, W::kStep, float>;

  const BlockView blk = block_view(p);
  const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp / WN, wn = warp % WN;

  TileLoad<kRa, kCa, kThreadsPerBlock> la;
  TileLoad<kRb, kCb, kThreadsPerBlock> lb;
  auto fetch = [&](int kb) {
    if constexpr (TA) la.load(blk.a, p.lda, kb, blk.k1, m0, p.m, p.vec_a);
    else la.load(blk.a, p.lda, m0, p.m, kb, blk.k1, p.vec_a);
    if constexpr (TB) lb.load(blk.b, p.ldb, n0, p.n, kb, blk.k1, p.vec_b);
    else lb.load(blk.b, p.ldb, kb, blk.k1, n0, p.n, p.vec_b);
  };
  auto stage = [&](int buf) {
    la.template store<kLda, Put>(as + buf * kStageA);
    lb.template store<kLdb, Put>(bs + buf * kStageB);
  };

  FragC acc[FM][FN];
#pragma unroll
  for (int i = 0; i < FM; ++i) {
#pragma unroll
    for (int j = 0; j < FN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
  }

  const int tiles = (blk.k1 - blk.k0 + BK - 1) / BK;
  if (tiles > 0) {
    fetch(blk.k0);
    stage(0);
  }
  __syncthreads();
  for (int t = 0; t < tiles; ++t) {
    const int buf = t & 1;
    if (t + 1 < tiles) fetch(blk.k0 + (t + 1) * BK);
    const T* a_tile = as + buf * kStageA;
    const T* b_tile = bs + buf * kStageB;
#pragma unroll
    for (int ks = 0; ks < BK; ks += W::kStep) {
      FragA fa[FM];
      FragB fb[FN];
#pragma unroll
      for (int i = 0; i < FM; ++i) {
        const int r = wm * kWarpM + i * 16;
        if constexpr (TA) wmma::load_matrix_sync(fa[i], a_tile + ks * kLda + r, kLda);
        else wmma::load_matrix_sync(fa[i], a_tile + r * kLda + ks, kLda);
      }
#pragma unroll
      for (int j = 0; j < FN; ++j) {
        const int c = wn * kWarpN + j * 16;
        if constexpr (TB) wmma::load_matrix_sync(fb[j], b_tile + c * kLdb + ks, kLdb);
        else wmma::load_matrix_sync(fb[j], b_tile + ks * kLdb + c, kLdb);
      }
#pragma unroll
      for (int i = 0; i < FM; ++i) {
#pragma unroll
        for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
      }
    }
    if (t + 1 < tiles) stage(buf ^ 1);
    __syncthreads();
  }

  // The accumulators' layout is opaque: each warp stores a fragment to its own 16 x 16 of
  // shared memory (the tiles are free: the loop ended on a barrier) and applies the
  // epilogue from there, four columns per lane.
  float* patch = reinterpret_cast<float*>(smem) + warp * 256;
#pragma unroll
  for (int i = 0; i < FM; ++i) {
#pragma unroll
    for (int j = 0; j < FN; ++j) {
      wmma::store_matrix_sync(patch, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 64; e += 32) {
        const int r = e / 4, c4 = (e % 4) * 4;
        const int row = m0 + wm * kWarpM + i * 16 + r;
        const int col = n0 + wn * kWarpN + j * 16 + c4;
        if (row >= p.m) continue;
        const int64_t off = static_cast<int64_t>(row) * p.ldc + col;
        const float* v = patch + r * 16 + c4;
        if (p.vec_c && col + 3 < p.n) {
          finish4(p, v, blk.c, blk.pre, off, col);
        } else {
          for (int q = 0; q < 4; ++q) {
            if (col + q < p.n) finish(p, v[q], blk.c, blk.pre, off + q, col + q);
          }
        }
      }
      __syncwarp();
    }
  }
}

// ---- split-K reduction ------------------------------------------------------------------------

// C = epilogue(sum of the `splits` partial products of each batch), partials laid out
// [batch][split][m][n].
__global__ void split_k_sum(Args p, const float* ws, int splits, int batch) {
  const int64_t mn = static_cast<int64_t>(p.m) * p.n;
  const int64_t total = mn * batch;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t bi = i / mn, e = i - bi * mn;
    const int row = static_cast<int>(e / p.n), col = static_cast<int>(e - static_cast<int64_t>(row) * p.n);
    const float* part = ws + bi * splits * mn + e;
    float acc = 0.0f;
    for (int s = 0; s < splits; ++s) acc += part[s * mn];
    float* c = p.c + bi * p.stride_c;
    float* pre = p.pre ? p.pre + bi * p.stride_c : nullptr;
    finish(p, acc, c, pre, static_cast<int64_t>(row) * p.ldc + col, col);
  }
}

// ---- host side --------------------------------------------------------------------------------

enum class Engine { kSimt128, kSimt64, kSimt32, kTc128, kTc64 };

struct EngineShape {
  int bm, bn, threads;
};

EngineShape shape_of(Engine e) {
  switch (e) {
    case Engine::kSimt128: return {128, 128, 256};
    case Engine::kSimt64: return {64, 64, 256};
    case Engine::kSimt32: return {32, 32, 64};
    case Engine::kTc128: return {128, 128, 256};
    case Engine::kTc64: return {64, 64, 128};
  }
  return {128, 128, 256};
}

template <template <bool, bool> class K>
void launch_trans(bool ta, bool tb, dim3 grid, cudaStream_t s, const Args& a) {
  if (ta && tb) K<true, true>::run(grid, s, a);
  else if (ta) K<true, false>::run(grid, s, a);
  else if (tb) K<false, true>::run(grid, s, a);
  else K<false, false>::run(grid, s, a);
}

template <int BM, int BN, int TM, int TN>
struct Simt {
  template <bool TA, bool TB>
  struct K {
    static void run(dim3 grid, cudaStream_t s, const Args& a) {
      simt_gemm<BM, BN, 8, TM, TN, TA, TB><<<grid, (BM / TM) * (BN / TN), 0, s>>>(a);
    }
  };
};

template <typename Put, int BM, int BN, int WM, int WN>
struct Tc {
  template <bool TA, bool TB>
  struct K {
    static void run(dim3 grid, cudaStream_t s, const Args& a) { wmma_gemm<Put, BM, BN, WM, WN, TA, TB><<<grid, WM * WN * 32, 0, s>>>(a); }
  };
};

void launch(Engine e, plan::Precision precision, bool ta, bool tb, dim3 grid, cudaStream_t s, const Args& a) {
  const bool bf16 = precision == plan::Precision::kBF16;
  switch (e) {
    case Engine::kSimt128: launch_trans<Simt<128, 128, 8, 8>::K>(ta, tb, grid, s, a); break;
    case Engine::kSimt64: launch_trans<Simt<64, 64, 4, 4>::K>(ta, tb, grid, s, a); break;
    case Engine::kSimt32: launch_trans<Simt<32, 32, 4, 4>::K>(ta, tb, grid, s, a); break;
    case Engine::kTc128:
      if (bf16) launch_trans<Tc<AsBf16, 128, 128, 2, 4>::K>(ta, tb, grid, s, a);
      else launch_trans<Tc<AsTf32, 128, 128, 2, 4>::K>(ta, tb, grid, s, a);
      break;
    case Engine::kTc64:
      if (bf16) launch_trans<Tc<AsBf16, 64, 64, 2, 2>::K>(ta, tb, grid, s, a);
      else launch_trans<Tc<AsTf32, 64, 64, 2, 2>::K>(ta, tb, grid, s, a);
      break;
  }
  check_launch("gemm");
}

int sm_count() {
  int device = 0, sms = 0;
  STRATA_CUDA_CHECK(cudaGetDevice(&device));
  STRATA_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return std::max(sms, 1);
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int checked_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX) throw std::runtime_error(std::string("gemm: ") + what + " out of range");
  return static_cast<int>(v);
}

// Workspace for split-K partials: a callback so that only the plan overload can split.
using Workspace = void* (*)(const void* ctx, size_t bytes);

constexpr int kSplitAlign = 32;                        // K chunks are whole tiles of every engine
constexpr size_t kMaxWorkspace = size_t{256} << 20;   // split-K partials, bytes
constexpr double kSplitMinMacs = 16.0 * (1 << 20);     // multiply-adds below which K is not split

void run(cudaStream_t stream, plan::Precision precision, const Gemm& g, Workspace workspace, const void* ctx) {
  if (g.m <= 0 || g.n <= 0 || g.batch <= 0) return;
  // The products of a batch run at once: a shared C would be a race, not a sum.
  if (g.batch > 1 && g.stride_c == 0) throw std::runtime_error("gemm: a batch of products cannot share one C (stride_c 0)");
  Args a{};
  a.m = checked_int(g.m, "M");
  a.n = checked_int(g.n, "N");
  a.k = checked_int(std::max<int64_t>(g.k, 0), "K");
  a.lda = g.lda ? g.lda : (g.trans_a ? g.m : g.k);
  a.ldb = g.ldb ? g.ldb : (g.trans_b ? g.k : g.n);
  a.ldc = g.ldc ? g.ldc : g.n;
  a.alpha = g.alpha;
  a.beta = g.beta;
  a.bias = g.bias;
  a.act = static_cast<int>(g.act);
  const bool batched = g.batch > 1;
  a.vec_a = aligned16(g.a) && a.lda % 4 == 0 && (!batched || g.stride_a % 4 == 0);
  a.vec_b = aligned16(g.b) && a.ldb % 4 == 0 && (!batched || g.stride_b % 4 == 0);

  const int sms = sm_count();
  auto blocks = [&](Engine e) { return ceil_div(g.m, shape_of(e).bm) * ceil_div(g.n, shape_of(e).bn) * g.batch; };
  // Tensor cores only where the tiles are mostly full and K covers a few k-steps.
  const bool tc = precision != plan::Precision::kF32 && g.m >= 32 && g.n >= 32 && g.k >= 32;
  Engine e;
  if (tc) e = blocks(Engine::kTc128) >= sms ? Engine::kTc128 : Engine::kTc64;
  else if (blocks(Engine::kSimt128) >= sms) e = Engine::kSimt128;
  else if (blocks(Engine::kSimt64) >= sms) e = Engine::kSimt64;
  else e = Engine::kSimt32;

  // Split K when the tiles cannot fill the GPU, each chunk keeps a long K and the product
  // is large enough to pay for the second launch that sums the chunks.
  const int64_t want = static_cast<int64_t>(sms) * (shape_of(e).threads >= 256 ? 2 : 8);
  int64_t splits = 1, chunk = a.k;
  const int64_t mn = g.m * g.n;
  if (workspace && blocks(e) < want && a.k >= 512 && static_cast<double>(mn) * a.k * g.batch >= kSplitMinMacs) {
    splits = std::min<int64_t>({ceil_div(want, blocks(e)), a.k / 256, 64});
    const int64_t room = static_cast<int64_t>(kMaxWorkspace / sizeof(float)) / std::max<int64_t>(mn * g.batch, 1);
    splits = std::min(splits, room);
    if (splits >= 2) {
      chunk = ceil_div(ceil_div(a.k, splits), kSplitAlign) * kSplitAlign;
      splits = ceil_div(a.k, chunk);
    }
    if (splits < 2) splits = 1, chunk = a.k;
  }
  a.k_chunk = static_cast<int>(std::max<int64_t>(chunk, 1));
  a.splits = static_cast<int>(splits);

  const EngineShape sh = shape_of(e);
  const int64_t grid_y = ceil_div(g.n, sh.bn);
  if (grid_y > 65535) throw std::runtime_error("gemm: N too large for the grid");
  // grid.z holds batch x splits; larger batches run in slices.
  const int64_t per_launch = std::max<int64_t>(1, 65535 / splits);
  float* ws = splits > 1 ? static_cast<float*>(workspace(ctx, static_cast<size_t>(splits * std::min(per_launch, g.batch) * mn) * sizeof(float)))
                         : nullptr;
  for (int64_t b0 = 0; b0 < g.batch; b0 += per_launch) {
    const int64_t nb = std::min(per_launch, g.batch - b0);
    Args s = a;
    s.a = g.a + b0 * g.stride_a;
    s.b = g.b + b0 * g.stride_b;
    s.stride_a = g.stride_a;
    s.stride_b = g.stride_b;
    float* c = g.c + b0 * g.stride_c;
    float* pre = g.pre ? g.pre + b0 * g.stride_c : nullptr;
    const dim3 grid(static_cast<unsigned>(ceil_div(g.m, sh.bm)), static_cast<unsigned>(grid_y), static_cast<unsigned>(nb * splits));
    if (splits == 1) {
      s.c = c;
      s.pre = pre;
      s.stride_c = g.stride_c;
      s.vec_c = aligned16(c) && s.ldc % 4 == 0 && (!batched || g.stride_c % 4 == 0) && (!pre || aligned16(pre));
      launch(e, precision, g.trans_a, g.trans_b, grid, stream, s);
      continue;
    }
    // Partials: plain stores into the workspace, then the epilogue on their sum.
    Args part = s;
    part.c = ws;
    part.pre = nullptr;
    part.bias = nullptr;
    part.act = 0;
    part.alpha = 1.0f;
    part.beta = 0.0f;
    part.ldc = g.n;
    part.stride_c = mn;
    part.vec_c = g.n % 4 == 0 && aligned16(ws);
    launch(e, precision, g.trans_a, g.trans_b, grid, stream, part);
    Args fin = s;
    fin.c = c;
    fin.pre = pre;
    fin.stride_c = g.stride_c;
    split_k_sum<<<blocks_for(nb * mn), kThreads, 0, stream>>>(fin, ws, static_cast<int>(splits), static_cast<int>(nb));
    check_launch("gemm split-K sum");
  }
}

// ---- column sums ------------------------------------------------------------------------------

constexpr int kSumThreads = 256;

// out[chunk * n + j] (+)= sum of a[r * n + j] over this block's chunk of rows. A block
// covers `width` columns with kSumThreads / width row lanes, so a warp reads contiguous
// memory even when n is smaller than a warp; the lanes then meet in shared memory.
__global__ void __launch_bounds__(kSumThreads)
    column_sums_kernel(const float* a, int64_t rows, int64_t n, int width, int64_t rows_per_chunk, float* out, bool accumulate) {
  __shared__ float part[kSumThreads];
  const int lanes = kSumThreads / width;
  const int t = threadIdx.x, col_in = t % width, lane = t / width;
  const int64_t j = static_cast<int64_t>(blockIdx.x) * width + col_in;
  const int64_t r0 = blockIdx.y * rows_per_chunk, r1 = min(rows, r0 + rows_per_chunk);
  float s = 0.0f;
  if (lane < lanes && j < n) {
    for (int64_t r = r0 + lane; r < r1; r += lanes) s += a[r * n + j];
  }
  part[t] = s;
  __syncthreads();
  if (lane == 0 && j < n) {
    float total = 0.0f;
    for (int l = 0; l < lanes; ++l) total += part[l * width + col_in];
    float* dst = out + blockIdx.y * n + j;
    *dst = accumulate ? *dst + total : total;
  }
}

void column_sums_pass(cudaStream_t stream, const float* a, int64_t rows, int64_t n, int64_t chunks, float* out, bool accumulate) {
  const int width = static_cast<int>(std::min<int64_t>(n, 32));
  const int64_t per = std::max<int64_t>(ceil_div(rows, chunks), 1);
  const dim3 grid(static_cast<unsigned>(ceil_div(n, width)), static_cast<unsigned>(chunks));
  column_sums_kernel<<<grid, kSumThreads, 0, stream>>>(a, rows, n, width, per, out, accumulate);
  check_launch("column_sums");
}

}  // namespace

void gemm(cudaStream_t stream, plan::Precision precision, const Gemm& g) { run(stream, precision, g, nullptr, nullptr); }

void gemm(const plan::Plan& p, const Gemm& g) {
  Workspace ws = [](const void* ctx, size_t bytes) { return scratch(*static_cast<const plan::Plan*>(ctx), 6, bytes); };
  run(stream(p), state(p).precision, g, ws, &p);
}

void column_sums(const plan::Plan& p, const float* a, int64_t rows, int64_t n, float* out, bool accumulate) {
  if (n <= 0) return;
  rows = std::max<int64_t>(rows, 0);
  // Enough row chunks that the blocks fill the GPU, each at least a few thousand values.
  const int width = static_cast<int>(std::min<int64_t>(n, 32));
  const int64_t col_blocks = ceil_div(n, width);
  const int64_t lanes = kSumThreads / width;
  int64_t chunks = std::min<int64_t>(ceil_div(rows, lanes * 16), std::max<int64_t>(1, 2 * sm_count() / col_blocks));
  chunks = std::clamp<int64_t>(chunks, 1, 65535);
  if (chunks == 1) {
    column_sums_pass(stream(p), a, rows, n, 1, out, accumulate);
    return;
  }
  chunks = ceil_div(rows, ceil_div(rows, chunks));
  float* partial = static_cast<float*>(scratch(p, 7, static_cast<size_t>(chunks * n) * sizeof(float)));
  column_sums_pass(stream(p), a, rows, n, chunks, partial, false);
  column_sums_pass(stream(p), partial, chunks, n, 1, out, accumulate);
}

}  // namespace strata::cuda
