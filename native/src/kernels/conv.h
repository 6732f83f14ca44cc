// Helpers shared by the convolution kernels (conv.cc, depthwise.cc).
#pragma once

#include <cstdint>

namespace strata::kernels {

// out[j] (+)= sum over rows of a[r * n + j]: a bias gradient. Rows are split over the
// pool; each participant sums its rows into a private vector, then they are added up.
void column_sums(const float* a, int64_t rows, int64_t n, float* out, bool accumulate, int threads);

// The epilogue of a convolution, on `rows` rows of n channels that already hold the
// GEMM's result in `pre`: pre += bias (when given), then y = act(pre). pre may equal y.
void bias_activation(float* pre, float* y, int64_t rows, int64_t n, const float* bias, int64_t act, int threads);

// The start of a convolution's backward: dz = act'(dy) in place (dz holds dy on entry; z is
// the pre-activation, null unless the activation needs it), and db (+)= column sums of dz,
// in one pass for relu and linear.
void activation_bias_backward(int64_t act, const float* z, const float* y, float* dz, int64_t rows, int64_t n, float* db,
                              bool acc_db, int threads);

}  // namespace strata::kernels
