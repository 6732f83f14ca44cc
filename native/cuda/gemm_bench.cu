// The device GEMM's throughput, for `strata bench --device cuda`.
#include <cuda_runtime.h>

#include <algorithm>
#include <limits>

#include "../src/plan/device.h"
#include "gemm.cuh"
#include "kernel.cuh"
#include "../src/kernels/random.h"

namespace strata::device {

namespace {
__global__ void fill_uniform(float* x, int64_t n, uint64_t key) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    x[i] = kernels::uniform(key, static_cast<uint64_t>(i)) - 0.5f;
  }
}
}  // namespace

double gemm_tflops(int device, int64_t m, int64_t n, int64_t k, plan::Precision precision, int repeats) {
  const Probe found = probe(false);
  if (!found.problem.empty()) throw std::runtime_error("cannot run the GEMM benchmark: " + found.problem);
  if (device < 0 || device >= static_cast<int>(found.devices.size())) {
    throw std::runtime_error("cannot run the GEMM benchmark: there is no cuda:" + std::to_string(device));
  }
  cuda::check(cudaSetDevice(device), "cudaSetDevice");
  // Released however the measurement ends.
  struct Resources {
    cuda::DevicePool& pool;
    float *a = nullptr, *b = nullptr, *c = nullptr;
    cudaStream_t stream = nullptr;
    cudaEvent_t start = nullptr, stop = nullptr;
    ~Resources() {
      if (stream) cudaStreamSynchronize(stream);
      if (stream) cudaStreamDestroy(stream);
      if (start) cudaEventDestroy(start);
      if (stop) cudaEventDestroy(stop);
      pool.release(a);
      pool.release(b);
      pool.release(c);
    }
  } r{cuda::DevicePool::of(device)};
  r.a = static_cast<float*>(r.pool.allocate(static_cast<size_t>(m * k) * sizeof(float)));
  r.b = static_cast<float*>(r.pool.allocate(static_cast<size_t>(k * n) * sizeof(float)));
  r.c = static_cast<float*>(r.pool.allocate(static_cast<size_t>(m * n) * sizeof(float)));
  cuda::check(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  cuda::check(cudaEventCreate(&r.start), "cudaEventCreate");
  cuda::check(cudaEventCreate(&r.stop), "cudaEventCreate");
  fill_uniform<<<1024, 256, 0, r.stream>>>(r.a, m * k, 1);
  fill_uniform<<<1024, 256, 0, r.stream>>>(r.b, k * n, 2);
  cuda::check_launch("fill_uniform");
  const cuda::Gemm g = cuda::product(false, false, m, n, k, r.a, r.b, 0.0f, r.c);
  cuda::gemm(r.stream, precision, g);
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < std::max(repeats, 1); ++i) {
    cuda::check(cudaEventRecord(r.start, r.stream), "cudaEventRecord");
    cuda::gemm(r.stream, precision, g);
    cuda::check(cudaEventRecord(r.stop, r.stream), "cudaEventRecord");
    cuda::check(cudaEventSynchronize(r.stop), "cudaEventSynchronize");
    float ms = 0;
    cuda::check(cudaEventElapsedTime(&ms, r.start, r.stop), "cudaEventElapsedTime");
    best = std::min(best, static_cast<double>(ms));
  }
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / (best * 1e-3) / 1e12;
}

}  // namespace strata::device
