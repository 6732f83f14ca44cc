// AVX2 + FMA GEMM micro-kernel and packing. Built with -mavx2 -mfma; reached only after
// the dispatcher in gemm.cc has checked __builtin_cpu_supports("avx2") and ("fma").
// See the rules in gemm_kernels.h: no STL here.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "gemm_kernels.h"

namespace strata::cpu {
namespace {

#include "gemm_pack.inl"

// Micro-tile 6 x 16: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm
// registers. Each k step: 2 loads of B, 6 broadcasts of A, 12 FMAs.
constexpr int kMR = 6;
constexpr int kNV = 2;
constexpr int kNR = kNV * 8;

void micro(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict c,
           int64_t ldc, float alpha, float beta, int m, int n) {
  __m256 acc[kMR][kNV];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < kNV; ++v) acc[i][v] = _mm256_setzero_ps();
  }
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
    if (i < m) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b[kNV];
#pragma GCC unroll 2
    for (int v = 0; v < kNV; ++v) b[v] = _mm256_loadu_ps(bp + 8 * v);
    _mm_prefetch(reinterpret_cast<const char*>(bp + 8 * kNR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      const __m256 a = _mm256_broadcast_ss(ap + i);
#pragma GCC unroll 2
      for (int v = 0; v < kNV; ++v) acc[i][v] = _mm256_fmadd_ps(a, b[v], acc[i][v]);
    }
    ap += kMR;
    bp += kNR;
  }

  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  if (m == kMR && n == kNR) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      float* cr = c + i * ldc;
#pragma GCC unroll 2
      for (int v = 0; v < kNV; ++v) {
        __m256 r;
        if (beta == 0.0f) {
          r = _mm256_mul_ps(va, acc[i][v]);
        } else if (beta == 1.0f) {
          r = _mm256_fmadd_ps(va, acc[i][v], _mm256_loadu_ps(cr + 8 * v));
        } else {
          r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8 * v), _mm256_mul_ps(va, acc[i][v]));
        }
        _mm256_storeu_ps(cr + 8 * v, r);
      }
    }
    return;
  }
  // Edge tile: spill the accumulators and update only the valid part of C.
  alignas(32) float tile[kMR * kNR];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < kNV; ++v) _mm256_store_ps(tile + i * kNR + 8 * v, _mm256_mul_ps(va, acc[i][v]));
  }
  for (int i = 0; i < m; ++i) {
    float* cr = c + i * ldc;
    const float* tr = tile + i * kNR;
    if (beta == 0.0f) {
      for (int j = 0; j < n; ++j) cr[j] = tr[j];
    } else {
      for (int j = 0; j < n; ++j) cr[j] = tr[j] + beta * cr[j];
    }
  }
}

void pack_a(bool trans, const float* a, int64_t lda, int64_t i0, int m, int64_t p0, int64_t kc, float* dst) {
  pack_a_panel<kMR>(trans, a, lda, i0, m, p0, kc, dst);
}

void pack_b(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int n, float* dst) {
  pack_b_panel<kNR>(trans, b, ldb, p0, kc, j0, n, dst);
}

// 12 independent ymm FMA chains (2 ports x 4-5 cycles of latency need at least 10).
float fma_burst(int64_t iters, double* flops) {
  constexpr int CH = 12;
  __m256 acc[CH];
#pragma GCC unroll 16
  for (int i = 0; i < CH; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i + 1));
  const __m256 mul = _mm256_set1_ps(0.9999999f);
  const __m256 add = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < CH; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
  }
  __m256 s = acc[0];
#pragma GCC unroll 16
  for (int i = 1; i < CH; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float total = 0.0f;
  for (int i = 0; i < 8; ++i) total += lanes[i];
  *flops = static_cast<double>(iters) * CH * 8 * 2;
  return total;
}

// A micro-panel (6 x KC floats = 6 KiB) in L1 sweeping a KC x NG slab of packed B
// (256 x 1024 floats = 1 MiB) in L2; see the loop nest in gemm.cc.
constexpr GemmKernelTable kTable = {
    "avx2", kMR, kNR, /*mc=*/3072, /*kc=*/256, /*nc=*/4096, /*ng=*/1024, &micro, &pack_a, &pack_b, &fma_burst,
};

}  // namespace

const GemmKernelTable* gemm_kernels_avx2() { return &kTable; }

}  // namespace strata::cpu
