// A step plan: every buffer a model's training or inference step touches, allocated once,
// and programs (lists of kernel calls) that run over them. The JS side compiles a model
// into a plan once; a whole step — or many steps — then costs one call across Node-API.
//
// Buffers are either fixed (weights, optimizer slots, datasets: `size` elements) or batched
// (activations and their gradients: `size` elements per sample, room for `max_batch`
// samples). Kernels read the current batch size from the plan, so the last, smaller batch
// of an epoch runs on the same buffers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../cpu/gemm.h"

namespace strata::cuda {
struct DeviceState;
}

namespace strata::plan {

enum class DType : uint8_t { kF32 = 0, kI32 = 1 };

// How a CUDA plan multiplies matrices (GEMMs of dense, conv, matmul); CPU plans are FP32.
// Weights, activations and optimizer state stay FP32 in every mode.
enum class Precision : uint8_t { kF32 = 0, kTF32 = 1, kBF16 = 2 };

struct Buffer {
  DType dtype = DType::kF32;
  int64_t size = 0;  // elements (per sample when batched)
  bool batched = false;
  // A CUDA plan keeps the rows that batches are gathered from (dataset slots and their
  // index lists) in pinned host memory and streams each batch over; everything else is on
  // the device.
  bool host_resident = false;
  std::unique_ptr<float[], void (*)(float*)> data{nullptr, [](float*) {}};
  int64_t capacity = 0;  // elements allocated
};

struct Plan;
struct Instr;
using KernelFn = void (*)(Plan&, const Instr&);

// One kernel call: which buffers it reads and writes, and its integer and float attributes.
struct Instr {
  KernelFn fn = nullptr;
  std::string kernel;
  std::vector<int32_t> bufs;
  std::vector<int64_t> ints;
  std::vector<float> floats;
};

struct Plan {
  std::vector<Buffer> buffers;
  std::vector<std::vector<Instr>> programs;
  // Plan-level numbers kernels share: learning rate, step counters, loss and metric sums.
  std::vector<double> scalars;
  int64_t batch = 0;
  int64_t max_batch = 0;
  cpu::Isa isa = cpu::Isa::kPortable;
  int threads = 1;
  // -1 for the CPU; a CUDA device's ordinal otherwise, with its state (stream, device
  // scalars, graphs) in gpu. Kernels are bound to "cuda:<name>" then.
  int device = -1;
  std::unique_ptr<cuda::DeviceState, void (*)(cuda::DeviceState*)> gpu{nullptr, nullptr};

  float* f32(int32_t buf) const { return buffers[buf].data.get(); }
  int32_t* i32(int32_t buf) const { return reinterpret_cast<int32_t*>(buffers[buf].data.get()); }
  // Elements a buffer holds right now: size, or size per sample times the batch.
  int64_t count(int32_t buf) const {
    const Buffer& b = buffers[buf];
    return b.batched ? b.size * batch : b.size;
  }

  void run(size_t program);
};

// Kernels register themselves by name; instructions are bound to them when a plan is made.
void register_kernel(const char* name, KernelFn fn);
KernelFn find_kernel(const std::string& name);
// Every registered kernel name ("cuda:"-prefixed ones included), sorted.
std::vector<std::string> kernel_names();

struct KernelRegistration {
  KernelRegistration(const char* name, KernelFn fn) { register_kernel(name, fn); }
};

#define STRATA_KERNEL(name, fn) static ::strata::plan::KernelRegistration kernel_registration_##fn(name, fn)

// Allocates a buffer's storage (64-byte aligned, zeroed).
void allocate(Buffer& b, int64_t max_batch);

}  // namespace strata::plan
