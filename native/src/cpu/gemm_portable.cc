// Portable GEMM micro-kernel and packing: plain C++ that the compiler vectorises with the
// baseline instruction set of the target (SSE2 on x86-64, NEON on arm64). Used when
// neither AVX2+FMA nor AVX-512 is available, and by tests to check the other paths.
#include <cstddef>
#include <cstdint>

#include "gemm_kernels.h"

namespace strata::cpu {
namespace {

#include "gemm_pack.inl"

constexpr int kMR = 4;
constexpr int kNR = 8;

void micro(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict c,
           int64_t ldc, float alpha, float beta, int m, int n) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
#pragma GCC unroll 4
    for (int i = 0; i < kMR; ++i) {
      const float a = ap[i];
#pragma GCC unroll 8
      for (int j = 0; j < kNR; ++j) acc[i][j] += a * bp[j];
    }
    ap += kMR;
    bp += kNR;
  }
  for (int i = 0; i < m; ++i) {
    float* cr = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < n; ++j) cr[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < n; ++j) cr[j] = alpha * acc[i][j] + beta * cr[j];
    }
  }
}

void pack_a(bool trans, const float* a, int64_t lda, int64_t i0, int m, int64_t p0, int64_t kc, float* dst) {
  pack_a_panel<kMR>(trans, a, lda, i0, m, p0, kc, dst);
}

void pack_b(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int n, float* dst) {
  pack_b_panel<kNR>(trans, b, ldb, p0, kc, j0, n, dst);
}

float fma_burst(int64_t iters, double* flops) {
  constexpr int CH = 32;
  float acc[CH];
  for (int i = 0; i < CH; ++i) acc[i] = 0.001f * static_cast<float>(i + 1);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < CH; ++i) acc[i] = acc[i] * 0.9999999f + 1e-7f;
  }
  float total = 0.0f;
  for (int i = 0; i < CH; ++i) total += acc[i];
  *flops = static_cast<double>(iters) * CH * 2;
  return total;
}

constexpr GemmKernelTable kTable = {
    "portable", kMR, kNR, /*mc=*/2048, /*kc=*/256, /*nc=*/4096, /*ng=*/512, &micro, &pack_a, &pack_b, &fma_burst,
};

}  // namespace

const GemmKernelTable* gemm_kernels_portable() { return &kTable; }

}  // namespace strata::cpu
