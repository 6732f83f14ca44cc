// GEMM on the device: C = alpha * op(A) op(B) + beta * C, row-major, optionally batched
// with strides and with a fused epilogue, enqueued on a stream. Same conventions as the
// CPU's sgemm (src/cpu/gemm.h): op(A) is M x K (stored K x M when trans_a), op(B) is K x N
// (stored N x K when trans_b); beta == 0 never reads C.
//
// Precision: kF32 runs FP32 FMAs; kTF32 and kBF16 run tensor cores (WMMA/mma) on operands
// rounded to TF32 / BF16 as they are loaded, accumulating in FP32. Defined in gemm.cu.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "../src/plan/plan.h"

namespace strata::cuda {

struct Gemm {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;  // row stride of A as stored; 0: dense (K, or M when trans_a)
  const float* b = nullptr;
  int64_t ldb = 0;  // 0: dense (N, or K when trans_b)
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;  // 0: N
  // Batched: `batch` products, the i-th at a + i * stride_a, b + i * stride_b, c + i * stride_c
  // (a stride of 0 shares that operand across the batch).
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  // Epilogue, applied to each element of C after alpha/beta: + bias[column] when bias is
  // given; the result stored in `pre` (when given, same layout as C) before the
  // activation; then C = act(...) for element-wise activations (kernels::Act codes;
  // softmax is not fused: callers run it on C afterwards).
  const float* bias = nullptr;
  float* pre = nullptr;
  int64_t act = 0;
};

// The common case: one dense product C = op(A) op(B) + beta * C, no epilogue; callers set
// leading dimensions, batch strides or an epilogue on the result when they need them.
inline Gemm product(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float beta, float* c) {
  Gemm g;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.b = b;
  g.beta = beta;
  g.c = c;
  return g;
}

void gemm(cudaStream_t stream, plan::Precision precision, const Gemm& g);

// The plan's stream and precision.
void gemm(const plan::Plan& p, const Gemm& g);

// out[j] (+)= sum over `rows` rows of a[r * n + j] (bias gradients). Defined in gemm.cu.
void column_sums(const plan::Plan& p, const float* a, int64_t rows, int64_t n, float* out, bool accumulate);

}  // namespace strata::cuda
