// Element-wise activations on the device, the rules of src/kernels/activation.h (same codes,
// same constants). Row-wise ones (softmax, log-softmax) are in kernels/softmax.cu.
#pragma once

#include <cstdint>

#include "../src/kernels/activation.h"
#include "../src/plan/plan.h"

namespace strata::cuda {

using kernels::Act;

__device__ inline float d_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
__device__ inline float d_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

__device__ inline float act_forward(int64_t act, float x) {
  switch (act) {
    case kernels::kRelu: return x > 0.0f ? x : 0.0f;
    case kernels::kSigmoid: return d_sigmoid(x);
    case kernels::kTanh: return tanhf(x);
    case kernels::kElu: return x > 0.0f ? x : expm1f(x);
    case kernels::kSelu: return kernels::kSeluScale * (x > 0.0f ? x : kernels::kSeluAlpha * expm1f(x));
    case kernels::kSoftplus: return d_softplus(x);
    case kernels::kSoftsign: return x / (1.0f + fabsf(x));
    case kernels::kSilu: return x * d_sigmoid(x);
    case kernels::kGelu: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case kernels::kExponential: return expf(x);
    case kernels::kHardSigmoid: return fminf(fmaxf(x / 6.0f + 0.5f, 0.0f), 1.0f);
    case kernels::kRelu6: return fminf(fmaxf(x, 0.0f), 6.0f);
    case kernels::kLeakyRelu: return x > 0.0f ? x : kernels::kLeakySlope * x;
    case kernels::kMish: return x * tanhf(d_softplus(x));
    default: return x;
  }
}

// dL/dx from dL/dy, the input x (read only when kernels::needs_input(act)) and the output y.
__device__ inline float act_backward(int64_t act, float x, float y, float dy) {
  switch (act) {
    case kernels::kRelu: return y > 0.0f ? dy : 0.0f;
    case kernels::kSigmoid: return dy * y * (1.0f - y);
    case kernels::kTanh: return dy * (1.0f - y * y);
    case kernels::kElu: return y > 0.0f ? dy : dy * (y + 1.0f);
    case kernels::kSelu: return y > 0.0f ? dy * kernels::kSeluScale : dy * (y + kernels::kSeluScale * kernels::kSeluAlpha);
    case kernels::kSoftplus: return dy * d_sigmoid(x);
    case kernels::kSoftsign: {
      const float d = 1.0f + fabsf(x);
      return dy / (d * d);
    }
    case kernels::kSilu: {
      const float s = d_sigmoid(x);
      return dy * s * (1.0f + x * (1.0f - s));
    }
    case kernels::kGelu: {
      const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
      const float pdf = 0.3989422804014327f * expf(-0.5f * x * x);
      return dy * (cdf + x * pdf);
    }
    case kernels::kExponential: return dy * y;
    case kernels::kHardSigmoid: return (y > 0.0f && y < 1.0f) ? dy / 6.0f : 0.0f;
    case kernels::kRelu6: return (y > 0.0f && y < 6.0f) ? dy : 0.0f;
    case kernels::kLeakyRelu: return y > 0.0f ? dy : dy * kernels::kLeakySlope;
    case kernels::kMish: {
      const float sp = d_softplus(x);
      const float t = tanhf(sp);
      return dy * (t + x * (1.0f - t * t) * d_sigmoid(x));
    }
    default: return dy;
  }
}

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
