// Matrix products over batch axes: y[i] = op(a[i]) · op(b[i]) for every index i of the
// batch axes, op(a[i]) M x K, op(b[i]) K x N; op transposes an operand stored the other way
// round (a K x M, b N x K), which spares Dot a copy when its contracted axis comes first in
// a or last in b. The batch axes broadcast (NumPy's matmul) and may hold the plan's batch.
// Serves ops.matmul in custom layers and Keras' Dot (one product per sample). Forward next
// to backward.
//
// Three ways to run, by shape: a weight (b without batch axes) against an input with all
// its batch axes is one GEMM over all rows; one dot product per batch index (M = N = 1) is a
// plain loop, with no GEMM set-up for K multiply-adds; otherwise one GEMM per batch index,
// spread over the pool when the matrices are small.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../plan/plan.h"
#include "matmul.h"
#include "parallel.h"
#include "strided.h"

namespace strata::kernels {
namespace {

// The shape, and which matrix of a / b each output matrix uses.
struct MatmulArgs : MatmulShape {
  std::vector<int64_t> a_index, b_index;
};

MatmulArgs read_matmul(plan::Plan& p, IntReader& r) {
  MatmulArgs a;
  static_cast<MatmulShape&>(a) = read_matmul_shape(p, r);
  const int nb = a.out.rank;
  a.a_index.resize(static_cast<size_t>(a.count));
  a.b_index.resize(static_cast<size_t>(a.count));
  int64_t idx[kMaxRank] = {};
  int64_t ia = 0, ib = 0;
  for (int64_t c = 0; c < a.count; ++c) {
    a.a_index[c] = ia;
    a.b_index[c] = ib;
    for (int d = nb - 1; d >= 0; --d) {
      ia += a.as[d];
      ib += a.bs[d];
      if (++idx[d] < a.out.d[d]) break;
      ia -= a.as[d] * a.out.d[d];
      ib -= a.bs[d] * a.out.d[d];
      idx[d] = 0;
    }
  }
  return a;
}

// Runs fn(c, threads_per_gemm) for every batch matrix c: small ones (the usual case: one
// product per sample) in parallel, each on one thread, in chunks of about kElementGrain
// multiply-adds; large ones one after another, each GEMM over the whole pool.
template <typename F>
void for_matrices(int64_t count, double flops, int threads, F&& fn) {
  if (count > 1 && flops < 4.0e6) {
    const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kElementGrain / std::max(1.0, flops / 2)));
    for_range(count, grain, threads, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) fn(c, 1);
    });
  } else {
    for (int64_t c = 0; c < count; ++c) fn(c, threads);
  }
}

// bufs [a, b, y]; ints [M, N, K, transA, transB, batch rank, y batch dims, a batch dims, b batch dims]
void matmul_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = read_matmul(p, r);
  const float* A = p.f32(in.bufs[0]);
  const float* B = p.f32(in.bufs[1]);
  float* Y = p.f32(in.bufs[2]);
  const int64_t M = a.m, N = a.n, K = a.k;
  if (a.count == 0 || M == 0 || N == 0) return;
  if (one_gemm(a)) {
    cpu::sgemm(p.isa, p.threads, false, a.tb, a.count * M, N, K, 1.0f, A, B, 0.0f, Y);
    return;
  }
  if (dots(a)) {
    for_rows(a.count, K, p.threads, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const float* ac = A + c * K;
        const float* bc = B + c * K;
        float acc = 0.0f;
        for (int64_t j = 0; j < K; ++j) acc += ac[j] * bc[j];
        Y[c] = acc;
      }
    });
    return;
  }
  for_matrices(a.count, 2.0 * M * N * K, p.threads, [&](int64_t c, int threads) {
    cpu::sgemm(p.isa, threads, a.ta, a.tb, M, N, K, 1.0f, A + a.a_index[c] * M * K, B + a.b_index[c] * K * N, 0.0f, Y + c * M * N);
  });
}

// bufs [a, b, dy, da or -1, db or -1]; ints [as matmul_fwd…, accumulate da, accumulate db]
//   da = dy · op(b)^T   (stored K x M when transA: op(b) · dy^T)
//   db = op(a)^T · dy   (stored N x K when transB: dy^T · op(a))
// A broadcast operand sums over the batch matrices that shared it.
void matmul_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = read_matmul(p, r);
  const MatmulGrads io = read_matmul_grads(p, in, r);
  const float *A = io.a, *B = io.b, *dY = io.dy;
  float *dA = io.da, *dB = io.db;
  const bool acc_a = io.acc_a, acc_b = io.acc_b;
  const int64_t M = a.m, N = a.n, K = a.k;
  const bool ta = a.ta, tb = a.tb;
  // One matrix's (or, with rows = count * M, all rows') gradients.
  auto grad_a = [&](int threads, int64_t rows, const float* dy, const float* rhs, float beta, float* da) {
    if (!ta) cpu::sgemm(p.isa, threads, false, !tb, rows, K, N, 1.0f, dy, rhs, beta, da);
    else cpu::sgemm(p.isa, threads, tb, true, K, rows, N, 1.0f, rhs, dy, beta, da);
  };
  auto grad_b = [&](int threads, int64_t rows, const float* lhs, const float* dy, float beta, float* db) {
    if (!tb) cpu::sgemm(p.isa, threads, !ta, false, K, N, rows, 1.0f, lhs, dy, beta, db);
    else cpu::sgemm(p.isa, threads, true, ta, N, K, rows, 1.0f, dy, lhs, beta, db);
  };
  if (one_gemm(a)) {
    if (dA) grad_a(p.threads, a.count * M, dY, B, acc_a ? 1.0f : 0.0f, dA);
    if (dB) grad_b(p.threads, a.count * M, A, dY, acc_b ? 1.0f : 0.0f, dB);
    return;
  }
  if (dots(a)) {
    for_rows(a.count, K, p.threads, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const float g = dY[c];
        const float* ac = A + c * K;
        const float* bc = B + c * K;
        float* dac = dA ? dA + c * K : nullptr;
        float* dbc = dB ? dB + c * K : nullptr;
        if (dac && acc_a) for (int64_t j = 0; j < K; ++j) dac[j] += g * bc[j];
        else if (dac) for (int64_t j = 0; j < K; ++j) dac[j] = g * bc[j];
        if (dbc && acc_b) for (int64_t j = 0; j < K; ++j) dbc[j] += g * ac[j];
        else if (dbc) for (int64_t j = 0; j < K; ++j) dbc[j] = g * ac[j];
      }
    });
    return;
  }
  const double flops = 2.0 * M * N * K;
  // Zero-size batches still owe the targets their (zero) gradient.
  if (dA) {
    if (a.a_full) {
      for_matrices(a.count, flops, p.threads, [&](int64_t c, int threads) {
        grad_a(threads, M, dY + c * M * N, B + a.b_index[c] * K * N, acc_a ? 1.0f : 0.0f, dA + c * M * K);
      });
    } else {
      const int64_t slices = a.a_single ? 1 : *std::max_element(a.a_index.begin(), a.a_index.end()) + 1;
      if (!acc_a) std::fill(dA, dA + slices * M * K, 0.0f);
      for (int64_t c = 0; c < a.count; ++c) grad_a(p.threads, M, dY + c * M * N, B + a.b_index[c] * K * N, 1.0f, dA + a.a_index[c] * M * K);
    }
  }
  if (dB) {
    if (a.b_full) {
      for_matrices(a.count, flops, p.threads, [&](int64_t c, int threads) {
        grad_b(threads, M, A + a.a_index[c] * M * K, dY + c * M * N, acc_b ? 1.0f : 0.0f, dB + c * K * N);
      });
    } else {
      const int64_t slices = a.b_single ? 1 : *std::max_element(a.b_index.begin(), a.b_index.end()) + 1;
      if (!acc_b) std::fill(dB, dB + slices * K * N, 0.0f);
      for (int64_t c = 0; c < a.count; ++c) grad_b(p.threads, M, A + a.a_index[c] * M * K, dY + c * M * N, 1.0f, dB + a.b_index[c] * K * N);
    }
  }
}

STRATA_KERNEL("matmul_fwd", matmul_fwd);
STRATA_KERNEL("matmul_bwd", matmul_bwd);

}  // namespace
}  // namespace strata::kernels
