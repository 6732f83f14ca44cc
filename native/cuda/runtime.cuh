// What every CUDA source of the engine shares: error checks, the per-plan device state
// (stream, device copy of the plan's scalars, scratch, fault record) and the device pool.
// Host code only includes this through kernel.cuh or plan_device.cu.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../src/plan/plan.h"

namespace strata::cuda {

// Throws std::runtime_error naming the call and CUDA's own words for the error.
void check(cudaError_t status, const char* what);
#define STRATA_CUDA_CHECK(call) ::strata::cuda::check((call), #call)

// A fault a kernel met on the device (an index out of range): the first one is kept, with
// the value and the limit, and turned into an error after the step.
enum FaultKind : int {
  kNoFault = 0,
  kSampleIndex = 1,   // gather_rows: a sample index outside the dataset
  kClassIndex = 2,    // sparse targets: a class id outside 0..classes-1
  kTokenIndex = 3,    // embedding: a token id outside 0..input_dim-1
  kBatchPastEnd = 4,  // gather_rows: the batch runs past the end of the index list
};

struct Fault {
  int kind;
  int kernel;  // index of the instruction in its program
  long long value;
  long long limit;
};

// Process-wide caching allocator per device: blocks are rounded up to a size class and
// kept on free lists when released, so plans made and dropped (evaluate, predict) reuse
// memory and nothing calls cudaMalloc while steps run.
class DevicePool {
 public:
  static DevicePool& of(int device);
  void* allocate(size_t bytes);
  void release(void* p);
  // Releases a block into whichever device's pool it came from (buffer deleters know no device).
  static void release_anywhere(void* p);
  // Frees every cached block (after an allocation failed, before trying again).
  void trim();
  size_t cached_bytes() const;

 private:
  explicit DevicePool(int device) : device_(device) {}
  int device_;
  std::multimap<size_t, void*> free_;     // size class -> block
  std::map<void*, size_t> live_;          // block -> size class
};

// Scratch memory for kernels, per plan and slot; grows outside graph capture only (the
// first, uncaptured run of a program sizes it).
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
};

struct Graph {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
};

// One half of the pinned double buffer that batches are gathered into on the host and
// copied to the device from; `copied` is recorded after its copies were queued, and
// waited on before the host gathers into it again.
struct Staging {
  float* host = nullptr;
  size_t bytes = 0;
  cudaEvent_t copied = nullptr;
  bool in_flight = false;
};

struct DeviceState {
  int device = 0;
  plan::Precision precision = plan::Precision::kF32;
  cudaStream_t stream = nullptr;
  double* scalars = nullptr;     // device copy of Plan::scalars
  Fault* fault = nullptr;        // device fault record
  Fault* fault_host = nullptr;   // pinned copy read after a run
  std::vector<Scratch> scratch;  // per slot
  bool capturing = false;
  // How many times each (program, batch) body ran uncaptured; captured from the second run.
  std::map<std::pair<size_t, int64_t>, int> runs;
  std::map<std::pair<size_t, int64_t>, Graph> graphs;
  int current_instr = 0;
  Staging staging[2];
  int next_staging = 0;
  // Pinned, per step of a run_steps call: the batch's cursor, then a copy of the scalars.
  double* records = nullptr;
  size_t record_capacity = 0;  // doubles
  ~DeviceState();
};

// Destroys the captured graphs (after scratch moved; they are captured again).
void drop_graphs(DeviceState& s);

inline DeviceState& state(const plan::Plan& p) { return *p.gpu; }

}  // namespace strata::cuda
