// The device side of step plans: what plan_binding.cc calls for a plan made on a CUDA
// device. Implemented in native/cuda/plan_device.cu when the addon is built with CUDA,
// and by device_none.cc otherwise (which says the build has no CUDA backend).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan.h"

namespace strata::device {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int64_t total_memory = 0;  // bytes
  int64_t free_memory = 0;   // bytes
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  // Whether this build's code runs on it (compute capability 8.0 or newer).
  bool supported = false;
};

// What this process can use: whether the addon was built with CUDA, the devices found,
// the driver's and runtime's CUDA versions (e.g. 12040 for 12.4; 0 when there is no
// driver), and, when no device can be used, why.
struct Probe {
  bool built = false;
  std::vector<DeviceInfo> devices;
  int driver_version = 0;
  int runtime_version = 0;
  std::string problem;
};

// With free_memory, each device's free memory is read too, which creates a CUDA context on
// it; the app's own process asks without, so that only training processes hold one.
Probe probe(bool free_memory = true);

// Prepares plan p (buffers described, programs bound) on CUDA device `device`: allocates
// its buffers there (gather sources in pinned host memory), its stream and scalars.
// Throws std::runtime_error with the reason when the device cannot be used.
void create(plan::Plan& p, int device, plan::Precision precision);

// Copies n values (4 bytes each) into buffer `buf` from host memory, or out of it.
void write(plan::Plan& p, int32_t buf, const void* src, int64_t n);
void read(plan::Plan& p, int32_t buf, void* dst, int64_t n);
// Re-sizes a fixed buffer, dropping its values.
void resize(plan::Plan& p, int32_t buf, int64_t size);
// The plan's scalars: brought back from the device into p.scalars, or sent there from it.
void pull_scalars(plan::Plan& p);
void push_scalars(plan::Plan& p);

// Runs up to `steps` batches of `program` from sample `cursor` (see planRunSteps); returns,
// per step, the batch size and the `record` scalars.
std::vector<double> run_steps(plan::Plan& p, size_t program, int64_t batch_size, int64_t cursor_slot, int64_t cursor,
                              int64_t samples, int64_t steps, const std::vector<int64_t>& record);
// Runs one program at the current p.batch.
void run(plan::Plan& p, size_t program);

// TFLOP/s of the engine's own device GEMM (m x k times k x n, on random data) at the given
// precision on `device`: the best of `repeats` timed runs after a warm-up.
double gemm_tflops(int device, int64_t m, int64_t n, int64_t k, plan::Precision precision, int repeats);

}  // namespace strata::device
