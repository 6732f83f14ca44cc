// The shape attributes of matmul_fwd / matmul_bwd and the choice between their three ways
// to run, read once for the CPU kernels (matmul.cc) and the CUDA ones.
#pragma once

#include <cstdint>

#include "../plan/plan.h"
#include "strided.h"

namespace strata::kernels {

struct MatmulShape {
  int64_t m = 0, n = 0, k = 0;
  bool ta = false, tb = false;                   // a stored K x M, b stored N x K
  int64_t count = 1;                             // batch matrices of the output
  Dims out, ad, bd;                              // batch dims of y, a, b
  int64_t as[kMaxRank] = {}, bs[kMaxRank] = {};  // matrix strides of a, b (0: broadcast)
  bool a_full = true, b_full = true;             // a / b has every batch index (no broadcast)
  bool b_single = true, a_single = true;         // b / a has no batch axes at all
};

// ints [M, N, K, transA, transB, batch rank, y batch dims, a batch dims, b batch dims, ...]
inline MatmulShape read_matmul_shape(const plan::Plan& p, IntReader& r) {
  MatmulShape a;
  a.m = resolve(r.next(), p.batch);
  a.n = resolve(r.next(), p.batch);
  a.k = resolve(r.next(), p.batch);
  a.ta = r.next() != 0;
  a.tb = r.next() != 0;
  const int nb = read_rank(r);
  a.out = read_dims(r, nb, p.batch);
  a.ad = read_dims(r, nb, p.batch);
  a.bd = read_dims(r, nb, p.batch);
  strides_of(a.ad, a.as, true);
  strides_of(a.bd, a.bs, true);
  a.count = a.out.size();
  for (int i = 0; i < nb; ++i) {
    a.a_full = a.a_full && a.ad.d[i] == a.out.d[i];
    a.b_full = a.b_full && a.bd.d[i] == a.out.d[i];
    a.a_single = a.a_single && a.ad.d[i] == 1;
    a.b_single = a.b_single && a.bd.d[i] == 1;
  }
  return a;
}

// All rows of a in one GEMM: a has every batch index and is not transposed, b is shared.
inline bool one_gemm(const MatmulShape& a) { return a.b_single && a.a_full && !a.ta; }

// One dot product per batch index, no operand broadcast (op does not matter for vectors).
inline bool dots(const MatmulShape& a) { return a.m == 1 && a.n == 1 && a.a_full && a.b_full; }

// matmul_bwd's buffers [a, b, dy, da or -1, db or -1] and the accumulate flags after the shape.
struct MatmulGrads {
  const float *a, *b, *dy;
  float *da, *db;
  bool acc_a, acc_b;
};

inline MatmulGrads read_matmul_grads(const plan::Plan& p, const plan::Instr& in, IntReader& r) {
  MatmulGrads g;
  g.acc_a = r.next() != 0;
  g.acc_b = r.next() != 0;
  g.a = p.f32(in.bufs[0]);
  g.b = p.f32(in.bufs[1]);
  g.dy = p.f32(in.bufs[2]);
  g.da = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  g.db = in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  return g;
}

}  // namespace strata::kernels
