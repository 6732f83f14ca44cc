// Internal interface between the GEMM driver (gemm.cc, portable code) and the
// per-ISA translation units (gemm_avx512.cc, gemm_avx2.cc, gemm_portable.cc), each
// compiled with its own -m flags.
//
// Rules for the ISA translation units, so no AVX instruction can leak into code that
// runs before dispatch has checked the CPU:
//  - include only <immintrin.h>, <cstddef>, <cstdint> and headers of ours that declare
//    plain functions; no STL (an inline/template function instantiated in two TUs is one
//    weak symbol, and the linker may keep the copy compiled with -mavx512f);
//  - everything except the one accessor function sits in an anonymous namespace;
//  - the kernel table is constant-initialised (no code runs at load time).
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::cpu {

// Register-blocked micro-kernel: C[0:m, 0:n] (row stride ldc) =
//   alpha * Ap(kc x MR panel) * Bp(kc x NR panel) + beta * C.
// Ap holds, for each k, MR consecutive values of op(A)(i0 + r, p0 + k) (zero-padded past m);
// Bp holds, for each k, NR consecutive values of op(B)(p0 + k, j0 + c) (zero-padded past n).
// beta == 0 means C is not read (NaN/Inf in C are overwritten).
using MicroKernelFn = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                               float alpha, float beta, int m, int n);

// Packs one MR-row panel of op(A): rows [i0, i0 + m) (m <= MR), columns [p0, p0 + kc).
// A is row-major with leading dimension lda; trans means A is stored K x M.
using PackAFn = void (*)(bool trans, const float* a, int64_t lda, int64_t i0, int m, int64_t p0,
                         int64_t kc, float* dst);

// Packs one NR-column panel of op(B): rows [p0, p0 + kc), columns [j0, j0 + n) (n <= NR).
// B is row-major with leading dimension ldb; trans means B is stored N x K.
using PackBFn = void (*)(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0,
                         int n, float* dst);

// Runs `iters` rounds of independent FMA chains; returns a value that depends on all of
// them (so the compiler keeps the work) and stores the number of flops in *flops.
using FmaBurstFn = float (*)(int64_t iters, double* flops);

struct GemmKernelTable {
  const char* name;
  int mr, nr;                 // micro-tile: MR rows of C x NR columns
  // Cache blocking (see the loop nest in gemm.cc): op(A) is packed MC x KC at a time
  // (an MR x KC micro-panel stays in L1), op(B) KC x NC at a time, and each A
  // micro-panel sweeps NG columns of it (a KC x NG slab that stays in L2).
  int64_t mc, kc, nc, ng;
  MicroKernelFn micro;
  PackAFn pack_a;
  PackBFn pack_b;
  FmaBurstFn fma_burst;
};

// Defined in the ISA translation units. Calling the avx2/avx512 accessor is always safe
// (it only returns a pointer); calling through the table requires the CPU feature.
const GemmKernelTable* gemm_kernels_portable();
const GemmKernelTable* gemm_kernels_avx2();
const GemmKernelTable* gemm_kernels_avx512();
// AVX-512 with a 28 x 16 tile, for N <= 16.
const GemmKernelTable* gemm_kernels_avx512_narrow();

}  // namespace strata::cpu
