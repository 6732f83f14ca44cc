// Activation kernels on the device (src/kernels/activation.cc): act_fwd / act_bwd, and
// activate / activate_backward, which layers call for activations their GEMM epilogue does
// not apply. Row-wise activations go to softmax_rows (softmax.cu).
#include <cstdint>

#include "kernel.cuh"
#include "activation.cuh"

namespace strata::cuda {
namespace {

// The activation is a template argument so that each kernel holds one rule, no switch.
template <int64_t A>
__global__ void act_forward_kernel(const float* x, float* y, int64_t n) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) y[i] = act_forward(A, x[i]);
}

// `in` is x for the rules that read the input and y otherwise (never read then).
template <int64_t A>
__global__ void act_backward_kernel(const float* in, const float* y, const float* dy, float* dx, int64_t n, bool accumulate) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const float g = act_backward(A, in[i], y[i], dy[i]);
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

}  // namespace

void activate(const plan::Plan& p, int64_t act, const float* x, float* y, int64_t n, int64_t cols) {
  if (kernels::is_row_wise(act)) {
    if (cols > 0) softmax_rows(p, x, y, n / cols, cols, act == kernels::kLogSoftmax);
    return;
  }
  if (n <= 0) return;
  if (act == kernels::kLinear) {
    if (x != y) STRATA_CUDA_CHECK(cudaMemcpyAsync(y, x, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice, stream(p)));
    return;
  }
  kernels::with_act(act, [&](auto a) {
    constexpr int64_t A = decltype(a)::value;
    act_forward_kernel<A><<<blocks_for(n), kThreads, 0, stream(p)>>>(x, y, n);
  });
  check_launch("activate");
}

void activate_backward(const plan::Plan& p, int64_t act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                       int64_t cols, bool accumulate) {
  if (kernels::is_row_wise(act)) {
    if (cols > 0) softmax_rows_backward(p, y, dy, dx, n / cols, cols, act == kernels::kLogSoftmax, accumulate);
    return;
  }
  if (n <= 0) return;
  kernels::with_act(act, [&](auto a) {
    constexpr int64_t A = decltype(a)::value;
    const float* in = kernels::needs_input(A) ? x : y;
    act_backward_kernel<A><<<blocks_for(n), kThreads, 0, stream(p)>>>(in, y, dy, dx, n, accumulate);
  });
  check_launch("activate_backward");
}

namespace {

// bufs [x, y]; ints [act, cols]
void act_fwd(plan::Plan& p, const plan::Instr& in) {
  activate(p, in.ints[0], p.f32(in.bufs[0]), p.f32(in.bufs[1]), p.count(in.bufs[1]), in.ints[1]);
}

// bufs [x or -1, y, dy, dx]; ints [act, cols, accumulate]
void act_bwd(plan::Plan& p, const plan::Instr& in) {
  const float* x = in.bufs[0] >= 0 ? p.f32(in.bufs[0]) : nullptr;
  activate_backward(p, in.ints[0], x, p.f32(in.bufs[1]), p.f32(in.bufs[2]), p.f32(in.bufs[3]), p.count(in.bufs[3]), in.ints[1],
                    in.ints[2] != 0);
}

STRATA_CUDA_KERNEL("act_fwd", act_fwd);
STRATA_CUDA_KERNEL("act_bwd", act_bwd);

}  // namespace
}  // namespace strata::cuda
