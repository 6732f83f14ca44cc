// Panel packing shared by the ISA translation units. Included INSIDE an anonymous
// namespace by each of them, so every TU gets its own copy compiled with its own flags
// (see the rules in gemm_kernels.h). No includes here.
//
// Packed layouts (what the micro-kernels read, strictly sequentially):
//   A panel: for k in [0, kc): MR values op(A)(i0 + r, p0 + k), r in [0, MR), zero past m.
//   B panel: for k in [0, kc): NR values op(B)(p0 + k, j0 + c), c in [0, NR), zero past n.

// Copies `width` consecutive floats per k from a source whose k-stride is `ld` (the
// "already in the right orientation" case: op(A) stored transposed, op(B) not).
template <int W>
inline void pack_rows_contiguous(const float* __restrict src, int64_t ld, int64_t kc, int width,
                                 float* __restrict dst) {
  if (width == W) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld;
      float* d = dst + k * W;
#pragma GCC unroll 64
      for (int c = 0; c < W; ++c) d[c] = s[c];
    }
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld;
      float* d = dst + k * W;
      int c = 0;
      for (; c < width; ++c) d[c] = s[c];
      for (; c < W; ++c) d[c] = 0.0f;
    }
  }
}

// Gathers `width` strided sources (source r starts at src + r * ld and runs along k):
// the transposing case (op(A) stored as is, op(B) stored transposed). Blocks of 8 k's keep
// the `width` read streams and the write stream in cache lines.
template <int W>
inline void pack_rows_transposed(const float* __restrict src, int64_t ld, int64_t kc, int width,
                                 float* __restrict dst) {
  const float* rows[W];
  for (int r = 0; r < W; ++r) rows[r] = src + (r < width ? r : 0) * ld;
  constexpr int KB = 8;
  int64_t k0 = 0;
  if (width == W) {
    for (; k0 + KB <= kc; k0 += KB) {
      float* d = dst + k0 * W;
#pragma GCC unroll 8
      for (int r = 0; r < W; ++r) {
        const float* s = rows[r] + k0;
#pragma GCC unroll 8
        for (int kk = 0; kk < KB; ++kk) d[kk * W + r] = s[kk];
      }
    }
  }
  for (; k0 < kc; ++k0) {
    float* d = dst + k0 * W;
    int r = 0;
    for (; r < width; ++r) d[r] = rows[r][k0];
    for (; r < W; ++r) d[r] = 0.0f;
  }
}

template <int MR>
void pack_a_panel(bool trans, const float* a, int64_t lda, int64_t i0, int m, int64_t p0, int64_t kc,
                  float* dst) {
  if (trans) {  // A stored K x M: op(A)(i, k) = a[k * lda + i]
    pack_rows_contiguous<MR>(a + p0 * lda + i0, lda, kc, m, dst);
  } else {  // A stored M x K: op(A)(i, k) = a[i * lda + k]
    pack_rows_transposed<MR>(a + i0 * lda + p0, lda, kc, m, dst);
  }
}

template <int NR>
void pack_b_panel(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int n,
                  float* dst) {
  if (trans) {  // B stored N x K: op(B)(k, j) = b[j * ldb + k]
    pack_rows_transposed<NR>(b + j0 * ldb + p0, ldb, kc, n, dst);
  } else {  // B stored K x N: op(B)(k, j) = b[k * ldb + j]
    pack_rows_contiguous<NR>(b + p0 * ldb + j0, ldb, kc, n, dst);
  }
}
