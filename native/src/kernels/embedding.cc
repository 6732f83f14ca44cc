// Embedding: y[i, :] = E[index[i], :] (a gather of table rows), and its backward, a
// scatter-add of the output gradient rows into the table's gradient.
//
// Indices come as int32 (an `Input({ dtype: 'int32' })`, the usual case) or as float32
// holding whole numbers (Keras casts them to int). Rows are counted from the index buffer
// (p.count), not from p.batch, so the kernels work unchanged inside TimeDistributed, where
// the time axis is folded into the rows.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// Reads index i of an int32 or float32 buffer as an integer (floats truncated, as Keras' cast).
struct Indices {
  const int32_t* i32 = nullptr;
  const float* f32 = nullptr;
  int64_t operator[](int64_t i) const { return i32 ? i32[i] : static_cast<int64_t>(f32[i]); }
};

Indices indices_of(plan::Plan& p, int32_t buf) {
  Indices ix;
  if (p.buffers[buf].dtype == plan::DType::kI32) ix.i32 = p.i32(buf);
  else ix.f32 = p.f32(buf);
  return ix;
}

// One serial pass over the indices before any thread touches memory: a bad index is a
// user error (a vocabulary larger than inputDim) and gets a message saying so.
void check_indices(const Indices& ix, int64_t n, int64_t vocab) {
  for (int64_t i = 0; i < n; ++i) {
    // Floats are checked before the cast (NaN and huge values have no integer value).
    const bool ok = ix.f32 ? (ix.f32[i] > -1.0f && ix.f32[i] < static_cast<float>(vocab) && ix[i] >= 0 && ix[i] < vocab)
                           : (ix.i32[i] >= 0 && ix.i32[i] < vocab);
    if (!ok) {
      const std::string shown = ix.f32 ? std::to_string(ix.f32[i]) : std::to_string(ix.i32[i]);
      throw std::runtime_error("Embedding: index " + shown + " (at position " + std::to_string(i) +
                               " of the batch's indices) is out of range for inputDim " + std::to_string(vocab) +
                               ": indices must be in 0.." + std::to_string(vocab - 1) +
                               ". Make inputDim the vocabulary size (largest index + 1).");
    }
  }
}

// bufs [indices, E, y]; ints [inputDim, outputDim]
void embedding_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t vocab = in.ints[0], dim = in.ints[1];
  const Indices ix = indices_of(p, in.bufs[0]);
  const float* table = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  const int64_t n = p.count(in.bufs[0]);
  check_indices(ix, n, vocab);
  for_rows(n, dim, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::memcpy(y + r * dim, table + ix[r] * dim, static_cast<size_t>(dim) * sizeof(float));
  });
}

// bufs [indices, dy, dE]; ints [inputDim, outputDim, accumulate dE]
// dE[v, :] (+)= sum of dy[i, :] over positions i whose index is v. Several positions may share
// an index, so the work is split by table rows, not by positions: each thread owns a range
// of vocabulary rows, scans all indices, and adds only rows it owns; no two threads write
// the same row, and each row add is a contiguous, vectorizable loop.
void embedding_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t vocab = in.ints[0], dim = in.ints[1];
  const bool accumulate = in.ints[2] != 0;
  const Indices ix = indices_of(p, in.bufs[0]);
  const float* dy = p.f32(in.bufs[1]);
  float* de = p.f32(in.bufs[2]);
  const int64_t n = p.count(in.bufs[0]);
  // The dense table gradient is cleared once (when this is its first writer); the grain keeps
  // small tables on one thread.
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(dim + n / 8, 1));
  for_range(vocab, grain, p.threads, [&](int64_t v0, int64_t v1) {
    if (!accumulate) std::fill(de + v0 * dim, de + v1 * dim, 0.0f);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = ix[i];
      if (v < v0 || v >= v1) continue;
      float* row = de + v * dim;
      const float* g = dy + i * dim;
      for (int64_t j = 0; j < dim; ++j) row[j] += g[j];
    }
  });
}

STRATA_KERNEL("embedding_fwd", embedding_fwd);
STRATA_KERNEL("embedding_bwd", embedding_bwd);

}  // namespace
}  // namespace strata::kernels
