// AVX-512 (F/BW/VL/DQ) + FMA GEMM micro-kernel and packing. Built with
// -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma; reached only after the dispatcher in
// gemm.cc has checked __builtin_cpu_supports("avx512f") (and friends). See the rules in
// gemm_kernels.h: no STL here.

// GCC 12's AVX-512 intrinsics (shuffles, reductions) start from _mm512_undefined_ps(),
// which -Wmaybe-uninitialized reports inside its own headers once they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "gemm_kernels.h"

namespace strata::cpu {
namespace {

#include "gemm_pack.inl"

constexpr int kPrefetchB = 8;  // k steps ahead: B micro-panels stream in from L2

// Micro-tile MR x (NV * 16): MR rows of C, each NV zmm vectors wide. With MR = 14 and
// NV = 2 the kernel keeps 28 accumulators + 2 B vectors + 1 broadcast in the 32 zmm
// registers; each k step is 2 vector loads of B, 14 broadcasts of A and 28 FMAs over 28
// independent chains (>> 2 FMA ports x 4 cycles of latency). On this CPU a broadcast
// costs a little FMA throughput, so more rows per broadcast pair (14 vs 12) wins ~3%.
template <int MR, int NV>
void micro_kernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict c,
                  int64_t ldc, float alpha, float beta, int m, int n) {
  constexpr int NR = NV * 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  // Bring the C tile towards L1 while the k loop runs.
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i < m) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
  }

  // (Unrolling this loop by 4, or using FMAs with embedded {1to16} broadcasts, measured
  // slower on this CPU; GCC keeps the accumulators in registers either way.)
  for (int64_t k = 0; k < kc; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(bp + kPrefetchB * NR), _MM_HINT_T0);
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(bp + 16 * v);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(ap[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    ap += MR;
    bp += NR;
  }

  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    int cnt = n - 16 * v;
    cnt = cnt < 0 ? 0 : (cnt > 16 ? 16 : cnt);
    mask[v] = static_cast<__mmask16>((1u << cnt) - 1u);
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const bool full = (n == NR);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 r;
      if (full) {
        if (beta == 0.0f) {
          r = _mm512_mul_ps(va, acc[i][v]);
        } else if (beta == 1.0f) {
          r = _mm512_fmadd_ps(va, acc[i][v], _mm512_loadu_ps(cr + 16 * v));
        } else {
          r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr + 16 * v), _mm512_mul_ps(va, acc[i][v]));
        }
        _mm512_storeu_ps(cr + 16 * v, r);
      } else {
        if (beta == 0.0f) {
          r = _mm512_mul_ps(va, acc[i][v]);
        } else {
          const __m512 old = _mm512_maskz_loadu_ps(mask[v], cr + 16 * v);
          r = _mm512_fmadd_ps(vb, old, _mm512_mul_ps(va, acc[i][v]));
        }
        _mm512_mask_storeu_ps(cr + 16 * v, mask[v], r);
      }
    }
  }
}

constexpr int kMR = 14;
constexpr int kNV = 2;
constexpr int kNR = kNV * 16;

void micro(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta,
           int m, int n) {
  micro_kernel<kMR, kNV>(kc, ap, bp, c, ldc, alpha, beta, m, n);
}

// 16 x 16 in-register transpose: on return r[k] holds what was column k of rows 0..15.
inline void transpose16x16(__m512 (&r)[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {  // per 128-bit lane: pairs of rows interleaved
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {  // per 128-bit lane: 4 x 4 blocks transposed
    r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  // r[4i + j], lane l = rows 4i..4i+3 of column 4l + j; gather the lanes of each column.
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512 a = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    const __m512 b = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
    const __m512 c = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    const __m512 d = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
    t[j] = _mm512_shuffle_f32x4(a, c, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(a, c, 0xDD);
    t[4 + j] = _mm512_shuffle_f32x4(b, d, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(b, d, 0xDD);
  }
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// The transposing pack (op(A) stored as is, op(B) stored transposed) with AVX-512: W
// source rows, each running along k with stride ld, go to dst[k * W + r]. 16 k's of 16
// rows at a time are transposed in registers; rows past `width` are zeros.
template <int W>
void pack_transposed(const float* __restrict src, int64_t ld, int64_t kc, int width, float* __restrict dst) {
  constexpr int kBlocks = (W + 15) / 16;
  int64_t k0 = 0;
  for (; k0 + 16 <= kc; k0 += 16) {
#pragma GCC unroll 2
    for (int blk = 0; blk < kBlocks; ++blk) {
      const int r0 = blk * 16;
      const int lanes = W - r0 < 16 ? W - r0 : 16;
      const __mmask16 store_mask = static_cast<__mmask16>((1u << lanes) - 1u);
      __m512 r[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) {
        r[i] = (r0 + i < width) ? _mm512_loadu_ps(src + (r0 + i) * ld + k0) : _mm512_setzero_ps();
      }
      transpose16x16(r);
#pragma GCC unroll 16
      for (int k = 0; k < 16; ++k) _mm512_mask_storeu_ps(dst + (k0 + k) * W + r0, store_mask, r[k]);
    }
  }
  for (; k0 < kc; ++k0) {
    float* d = dst + k0 * W;
    int r = 0;
    for (; r < width; ++r) d[r] = src[r * ld + k0];
    for (; r < W; ++r) d[r] = 0.0f;
  }
}

template <int MR>
void pack_a_t(bool trans, const float* a, int64_t lda, int64_t i0, int m, int64_t p0, int64_t kc, float* dst) {
  if (trans) {
    pack_a_panel<MR>(trans, a, lda, i0, m, p0, kc, dst);
  } else {
    pack_transposed<MR>(a + i0 * lda + p0, lda, kc, m, dst);
  }
}

template <int NR>
void pack_b_t(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int n, float* dst) {
  if (trans) {
    pack_transposed<NR>(b + j0 * ldb + p0, ldb, kc, n, dst);
  } else {
    pack_b_panel<NR>(trans, b, ldb, p0, kc, j0, n, dst);
  }
}

// Narrow variant for N <= 16 (a classifier's 10 outputs): a 28 x 16 tile wastes 6 of 16
// columns where the 14 x 32 tile would waste 22 of 32. 28 accumulators, 1 B vector and
// one broadcast per FMA.
constexpr int kNarrowMR = 28;
constexpr int kNarrowNR = 16;

void micro_narrow(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta,
                  int m, int n) {
  micro_kernel<kNarrowMR, 1>(kc, ap, bp, c, ldc, alpha, beta, m, n);
}

// 24 independent zmm FMA chains: enough to cover 2 FMA ports x 4 cycles of latency.
float fma_burst(int64_t iters, double* flops) {
  constexpr int CH = 24;
  __m512 acc[CH];
#pragma GCC unroll 32
  for (int i = 0; i < CH; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i + 1));
  const __m512 mul = _mm512_set1_ps(0.9999999f);
  const __m512 add = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < CH; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  }
  __m512 s = acc[0];
#pragma GCC unroll 32
  for (int i = 1; i < CH; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  float total = 0.0f;
  for (int i = 0; i < 16; ++i) total += lanes[i];
  *flops = static_cast<double>(iters) * CH * 16 * 2;
  return total;
}

// Blocking for a core with 48 KiB L1d and 2 MiB L2 (see the loop nest in gemm.cc): an A
// micro-panel (14 x KC floats = 28 KiB at KC = 512) stays in L1 while it sweeps a KC x NG
// slab of packed B (512 x 480 floats = 960 KiB) held in L2, whose 32-column micro-panels
// stream through L1. KC = 512 halves the passes over C compared with 256 (measured best of
// 256..768 on 1024^3); MC and NC are large, so the packed A and B blocks (L3) cover a
// whole 1024 x 1024 problem and a K block needs only two barriers.
constexpr GemmKernelTable kTable = {
    "avx512", kMR, kNR, /*mc=*/3066, /*kc=*/512, /*nc=*/4096, /*ng=*/480,
    &micro, &pack_a_t<kMR>, &pack_b_t<kNR>, &fma_burst,
};

// The A micro-panel is 28 x KC floats (28 KiB at KC = 256).
constexpr GemmKernelTable kNarrowTable = {
    "avx512", kNarrowMR, kNarrowNR, /*mc=*/3080, /*kc=*/256, /*nc=*/16, /*ng=*/16,
    &micro_narrow, &pack_a_t<kNarrowMR>, &pack_b_t<kNarrowNR>, &fma_burst,
};

}  // namespace

const GemmKernelTable* gemm_kernels_avx512() { return &kTable; }
const GemmKernelTable* gemm_kernels_avx512_narrow() { return &kNarrowTable; }

}  // namespace strata::cpu
