// Matrix products over batch axes on the device: y[i] = op(a[i]) · op(b[i]), the semantics
// of src/kernels/matmul.cc (same attributes, same three ways to run). Where the CPU loops
// over batch matrices, this runs batched GEMMs: the batch axes of y, a and b are collapsed
// like a strided walk, and each run of the innermost collapsed axis (constant strides for
// all three) is one launch, so the usual shapes (a weight shared by every sample, one
// product per sample) take a single launch.
#include <algorithm>

#include "kernel.cuh"
#include "gemm.cuh"
#include "kernels/matmul.h"
#include "kernels/strided.h"

namespace strata::cuda {
namespace {

using kernels::Dims;
using kernels::IntReader;
using kernels::kMaxRank;

using MatmulArgs = kernels::MatmulShape;
using kernels::dots;
using kernels::one_gemm;

// Where each batch matrix of y, a and b sits, run by run: f(first, len, step) with first[]
// and step[] the matrix index and stride of y, a, b along a run of `len` batch matrices.
template <typename F>
void for_runs(const MatmulArgs& a, F&& f) {
  int64_t strides[3][kMaxRank] = {};
  kernels::strides_of(a.out, strides[0], false);
  std::copy(a.as, a.as + kMaxRank, strides[1]);
  std::copy(a.bs, a.bs + kMaxRank, strides[2]);
  const kernels::Strided s = kernels::collapse(a.out.rank, a.out.d, 3, strides);
  if (s.total == 0) return;
  const int r = s.rank;
  const int64_t len = s.dim[r - 1];
  const int64_t step[3] = {s.stride[0][r - 1], s.stride[1][r - 1], s.stride[2][r - 1]};
  int64_t idx[kMaxRank] = {};
  int64_t first[3] = {};
  for (int64_t o = 0, runs = s.total / len; o < runs; ++o) {
    f(static_cast<const int64_t*>(first), len, step);
    for (int d = r - 2; d >= 0; --d) {
      for (int q = 0; q < 3; ++q) first[q] += s.stride[q][d];
      if (++idx[d] < s.dim[d]) break;
      for (int q = 0; q < 3; ++q) first[q] -= s.stride[q][d] * s.dim[d];
      idx[d] = 0;
    }
  }
}

// Matrix index of the last a (or b) slice any batch matrix reads: the CPU's
// max(a_index) over the walk, strides being non-negative.
int64_t last_slice(const Dims& out, const int64_t* strides) {
  int64_t last = 0;
  for (int i = 0; i < out.rank; ++i) last += (out.d[i] - 1) * strides[i];
  return last;
}

// y[c] = a[c] · b[c] for `count` vectors of length k: one warp per dot product.
__global__ void dot_rows(const float* a, const float* b, float* y, int64_t count, int64_t k) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
  for (int64_t c = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32; c < count; c += warps) {
    const float* ac = a + c * k;
    const float* bc = b + c * k;
    float s = 0.0f;
    for (int64_t j = lane; j < k; j += 32) s += ac[j] * bc[j];
    s = warp_sum(s);
    if (lane == 0) y[c] = s;
  }
}

// One batched product: `batch` matrices from a, b, c with matrix strides.
Gemm batched(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t sa, const float* b, int64_t sb, float beta,
             float* c, int64_t sc, int64_t batch) {
  Gemm g = product(ta, tb, m, n, k, a, b, beta, c);
  g.batch = batch;
  g.stride_a = sa;
  g.stride_b = sb;
  g.stride_c = sc;
  return g;
}

// bufs [a, b, y]; ints [M, N, K, transA, transB, batch rank, y batch dims, a batch dims, b batch dims]
void matmul_fwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = kernels::read_matmul_shape(p, r);
  const float* A = p.f32(in.bufs[0]);
  const float* B = p.f32(in.bufs[1]);
  float* Y = p.f32(in.bufs[2]);
  const int64_t M = a.m, N = a.n, K = a.k;
  if (a.count == 0 || M == 0 || N == 0) return;
  if (one_gemm(a)) {
    gemm(p, batched(false, a.tb, a.count * M, N, K, A, 0, B, 0, 0.0f, Y, 0, 1));
    return;
  }
  if (dots(a)) {
    dot_rows<<<blocks_for(a.count * 32), kThreads, 0, stream(p)>>>(A, B, Y, a.count, K);
    check_launch("matmul_fwd dot_rows");
    return;
  }
  for_runs(a, [&](const int64_t* first, int64_t len, const int64_t* step) {
    gemm(p, batched(a.ta, a.tb, M, N, K, A + first[1] * M * K, step[1] * M * K, B + first[2] * K * N, step[2] * K * N, 0.0f,
                    Y + first[0] * M * N, step[0] * M * N, len));
  });
}

// bufs [a, b, dy, da or -1, db or -1]; ints [as matmul_fwd…, accumulate da, accumulate db]
//   da = dy · op(b)^T   (stored K x M when transA: op(b) · dy^T)
//   db = op(a)^T · dy   (stored N x K when transB: dy^T · op(a))
// A broadcast operand sums over the batch matrices that shared it.
void matmul_bwd(plan::Plan& p, const plan::Instr& in) {
  IntReader r{in.ints};
  const MatmulArgs a = kernels::read_matmul_shape(p, r);
  const kernels::MatmulGrads io = kernels::read_matmul_grads(p, in, r);
  const float *A = io.a, *B = io.b, *dY = io.dy;
  float *dA = io.da, *dB = io.db;
  const bool acc_a = io.acc_a, acc_b = io.acc_b;
  const int64_t M = a.m, N = a.n, K = a.k;
  const bool ta = a.ta, tb = a.tb;
  // `batch` matrices' (or, with rows = count * M, all rows') gradients; strides in floats.
  auto grad_a = [&](int64_t rows, const float* dy, int64_t s_dy, const float* rhs, int64_t s_rhs, float beta, float* da,
                    int64_t s_da, int64_t batch) {
    if (!ta) gemm(p, batched(false, !tb, rows, K, N, dy, s_dy, rhs, s_rhs, beta, da, s_da, batch));
    else gemm(p, batched(tb, true, K, rows, N, rhs, s_rhs, dy, s_dy, beta, da, s_da, batch));
  };
  auto grad_b = [&](int64_t rows, const float* lhs, int64_t s_lhs, const float* dy, int64_t s_dy, float beta, float* db,
                    int64_t s_db, int64_t batch) {
    if (!tb) gemm(p, batched(!ta, false, K, N, rows, lhs, s_lhs, dy, s_dy, beta, db, s_db, batch));
    else gemm(p, batched(true, ta, N, K, rows, dy, s_dy, lhs, s_lhs, beta, db, s_db, batch));
  };
  if (one_gemm(a)) {
    if (dA) grad_a(a.count * M, dY, 0, B, 0, acc_a ? 1.0f : 0.0f, dA, 0, 1);
    if (dB) grad_b(a.count * M, A, 0, dY, 0, acc_b ? 1.0f : 0.0f, dB, 0, 1);
    return;
  }
  if (dots(a)) {
    const float* a_in = A;
    const float* b_in = B;
    const int64_t k = K;
    launch_each(
        p, a.count * K,
        [=] __device__(int64_t i) {
          const float g = dY[i / k];
          if (dA) dA[i] = acc_a ? dA[i] + g * b_in[i] : g * b_in[i];
          if (dB) dB[i] = acc_b ? dB[i] + g * a_in[i] : g * a_in[i];
        },
        "matmul_bwd dots");
    return;
  }
  const int64_t mk = M * K, kn = K * N, mn = M * N;
  // A broadcast gradient is zeroed once (unless accumulating) and every batch matrix adds
  // into its slice: one batched GEMM per run when the run's matrices hit distinct slices;
  // when a run shares one slice, its products go to scratch and are summed into it.
  auto reduce_into = [&](float* target, int64_t size, int64_t len, const auto& products_into) {
    if (len == 1) {
      products_into(target, 1.0f);
      return;
    }
    float* ws = static_cast<float*>(scratch(p, 0, static_cast<size_t>(len * size) * sizeof(float)));
    products_into(ws, 0.0f);
    column_sums(p, ws, len, size, target, true);
  };
  // Zero-size batches still owe the targets their (zero) gradient.
  if (dA) {
    if (a.a_full) {
      for_runs(a, [&](const int64_t* first, int64_t len, const int64_t* step) {
        grad_a(M, dY + first[0] * mn, step[0] * mn, B + first[2] * kn, step[2] * kn, acc_a ? 1.0f : 0.0f, dA + first[0] * mk,
               step[0] * mk, len);
      });
    } else {
      const int64_t slices = a.a_single ? 1 : (a.count > 0 ? last_slice(a.out, a.as) + 1 : 0);
      if (!acc_a && slices > 0) {
        STRATA_CUDA_CHECK(cudaMemsetAsync(dA, 0, static_cast<size_t>(slices * mk) * sizeof(float), stream(p)));
      }
      for_runs(a, [&](const int64_t* first, int64_t len, const int64_t* step) {
        float* target = dA + first[1] * mk;
        if (step[1] != 0) {
          grad_a(M, dY + first[0] * mn, step[0] * mn, B + first[2] * kn, step[2] * kn, 1.0f, target, step[1] * mk, len);
          return;
        }
        reduce_into(target, mk, len, [&](float* out, float beta) {
          grad_a(M, dY + first[0] * mn, step[0] * mn, B + first[2] * kn, step[2] * kn, beta, out, mk, len);
        });
      });
    }
  }
  if (dB) {
    if (a.b_full) {
      for_runs(a, [&](const int64_t* first, int64_t len, const int64_t* step) {
        grad_b(M, A + first[1] * mk, step[1] * mk, dY + first[0] * mn, step[0] * mn, acc_b ? 1.0f : 0.0f, dB + first[0] * kn,
               step[0] * kn, len);
      });
    } else {
      const int64_t slices = a.b_single ? 1 : (a.count > 0 ? last_slice(a.out, a.bs) + 1 : 0);
      if (!acc_b && slices > 0) {
        STRATA_CUDA_CHECK(cudaMemsetAsync(dB, 0, static_cast<size_t>(slices * kn) * sizeof(float), stream(p)));
      }
      for_runs(a, [&](const int64_t* first, int64_t len, const int64_t* step) {
        float* target = dB + first[2] * kn;
        if (step[2] != 0) {
          grad_b(M, A + first[1] * mk, step[1] * mk, dY + first[0] * mn, step[0] * mn, 1.0f, target, step[2] * kn, len);
          return;
        }
        reduce_into(target, kn, len, [&](float* out, float beta) {
          grad_b(M, A + first[1] * mk, step[1] * mk, dY + first[0] * mn, step[0] * mn, beta, out, kn, len);
        });
      });
    }
  }
}

STRATA_CUDA_KERNEL("matmul_fwd", matmul_fwd);
STRATA_CUDA_KERNEL("matmul_bwd", matmul_bwd);

}  // namespace
}  // namespace strata::cuda
