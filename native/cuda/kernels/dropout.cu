// Dropout in training on the device (src/kernels/dropout.cc): keep each value with
// probability 1 - rate and scale it by 1 / (1 - rate). The mask comes from the CPU's
// counter-based stream (src/kernels/random.h) with the same key and element index, so both devices
// drop the same values; backward recomputes it. The step that keys the stream is a plan
// scalar the optimizer advances on the device, so it is read inside the kernel: a captured
// graph then draws a fresh mask every replay.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"
#include "kernels/random.h"

namespace strata::cuda {
namespace {

struct MaskKey {
  uint64_t seed, salt;
  const double* step;  // scalars(p) + slot
  float rate, scale;

  __device__ uint64_t key() const { return kernels::stream_key(seed, salt, static_cast<uint64_t>(*step)); }
  __device__ float mask(uint64_t k, int64_t i) const {
    return kernels::dropout_mask(k, static_cast<uint64_t>(i), rate, scale);
  }
};

MaskKey mask_key(const plan::Plan& p, const plan::Instr& in) {
  // The CPU reads the slot with at(); here an outside slot would be read on the device.
  if (in.ints[2] < 0 || in.ints[2] >= static_cast<int64_t>(p.scalars.size())) {
    throw std::runtime_error("dropout: step scalar slot " + std::to_string(in.ints[2]) + " is not a scalar of this plan");
  }
  const float rate = in.floats[0];
  return {static_cast<uint64_t>(in.ints[0]), static_cast<uint64_t>(in.ints[1]), scalars(p) + in.ints[2], rate,
          1.0f / (1.0f - rate)};
}

// __fmul_rn keeps the product from fusing into an add, so values match the CPU's exactly.
__global__ void dropout_fwd_kernel(const float* x, float* y, int64_t n, MaskKey mk) {
  const uint64_t k = mk.key();
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] = __fmul_rn(x[i], mk.mask(k, i));
}

__global__ void dropout_bwd_kernel(const float* dy, float* dx, int64_t n, MaskKey mk, bool acc) {
  const uint64_t k = mk.key();
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float g = __fmul_rn(dy[i], mk.mask(k, i));
    dx[i] = acc ? dx[i] + g : g;
  }
}

// bufs [x, y]; ints [seed, salt, step scalar slot]; floats [rate]
void dropout_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[1]);
  if (n <= 0) return;
  dropout_fwd_kernel<<<blocks_for(n), kThreads, 0, stream(p)>>>(p.f32(in.bufs[0]), p.f32(in.bufs[1]), n,
                                                                  mask_key(p, in));
  check_launch("dropout_fwd");
}

// bufs [dy, dx]; ints [seed, salt, step scalar slot, accumulate]; floats [rate]
void dropout_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = p.count(in.bufs[1]);
  if (n <= 0) return;
  dropout_bwd_kernel<<<blocks_for(n), kThreads, 0, stream(p)>>>(p.f32(in.bufs[0]), p.f32(in.bufs[1]), n,
                                                                  mask_key(p, in), in.ints[3] != 0);
  check_launch("dropout_bwd");
}

STRATA_CUDA_KERNEL("dropout_fwd", dropout_fwd);
STRATA_CUDA_KERNEL("dropout_bwd", dropout_bwd);

}  // namespace
}  // namespace strata::cuda
