// Element-wise activations on the device: the rules of src/kernels/activation.h, compiled
// for both devices. Row-wise ones (softmax, log-softmax) are in kernels/softmax.cu.
#pragma once

#include <cstdint>

#include "../src/kernels/activation.h"
#include "../src/plan/plan.h"

namespace strata::cuda {

using kernels::Act;

// The per-element rules are the CPU's own (STRATA_HD in src/kernels/activation.h).
using kernels::act_backward;
using kernels::act_forward;

// y = act(x) over n values in rows of `cols` (cols matters for the row-wise activations),
// and dx (+)= act'(dy); x is read only when kernels::needs_input(act). dx may equal dy.
// Defined in kernels/activation.cu.
void activate(const plan::Plan& p, int64_t act, const float* x, float* y, int64_t n, int64_t cols);
void activate_backward(const plan::Plan& p, int64_t act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                       int64_t cols, bool accumulate);

// Row-wise softmax / log-softmax of `rows` rows of n values (y may equal x), and its
// backward (dx = or += ...); defined in kernels/softmax.cu, used by dense, conv and softmax.
void softmax_rows(const plan::Plan& p, const float* x, float* y, int64_t rows, int64_t n, bool log);
void softmax_rows_backward(const plan::Plan& p, const float* y, const float* dy, float* dx, int64_t rows, int64_t n, bool log,
                           bool accumulate);

}  // namespace strata::cuda
