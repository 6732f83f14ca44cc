// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, row-major.
//
// op(A) is M x K (A stored M x K, or K x M when transA), op(B) is K x N (B stored K x N,
// or N x K when transB), C is M x N. beta == 0 overwrites C without reading it (NaN in
// C does not propagate); K == 0 gives C = beta * C.
//
// The backward pass of Y = X * W (X: M x K, W: K x N) is two more GEMMs that only need
// the transpose flags, no explicit transposes:
//   dX = dY * W^T   -> sgemm(false, true,  M, K, N, 1, dY, W,  0, dX)
//   dW = X^T * dY   -> sgemm(true,  false, K, N, M, 1, X,  dY, 0, dW)  (beta = 1 to accumulate)
//
// Implementation: the packed-panel scheme of BLIS/GotoBLAS. op(A) is packed into MR-row
// micro-panels, op(B) into NR-column micro-panels (K blocked by KC); a register-blocked
// micro-kernel (AVX-512 14x32, or 28x16 when N <= 16; AVX2+FMA 6x16; portable 4x8)
// computes each MR x NR tile of C with FMAs. On several threads, small and 2-core
// problems give each thread its own slab of C; larger ones share the packed panels and
// hand out tiles dynamically. See gemm.cc.
#pragma once

#include <cstdint>
#include <string>

namespace strata::cpu {

enum class Isa { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

// Whether this CPU (and this build) can run the given ISA path.
bool isa_supported(Isa isa);
// The fastest supported ISA.
Isa best_isa();
const char* isa_name(Isa isa);
// Parses "avx512" / "avx2" / "portable"; returns false for anything else.
bool parse_isa(const std::string& name, Isa* out);

struct GemmArgs {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;  // row stride of A as stored (K when !trans_a, M when trans_a, for dense A)
  const float* b = nullptr;
  int64_t ldb = 0;  // row stride of B as stored (N when !trans_b, K when trans_b, for dense B)
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;  // row stride of C (N for dense C)
};

// Runs the GEMM with the given ISA path (must be supported) on up to `threads` threads
// of the pool (small problems use fewer). Arguments are assumed valid (the binding checks).
void sgemm(Isa isa, int threads, const GemmArgs& args);

// Dense convenience overload: lda/ldb/ldc implied by the shapes.
void sgemm(Isa isa, int threads, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, const float* b, float beta, float* c);

// Runs independent FMA chains with the given ISA on `threads` threads for about
// `seconds` and returns the achieved GFLOP/s (an FMA counts as 2 flops): the practical
// FP32 peak that GEMM efficiency is measured against.
double fma_peak_gflops(Isa isa, int threads, double seconds);

}  // namespace strata::cpu
