// Error checks, the device memory pool, per-plan scratch and the plan's device state.
#include <cuda_runtime.h>

#include <mutex>
#include <string>

#include "kernel.cuh"
#include "runtime.cuh"

namespace strata::cuda {

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ") in " + what);
}

void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("CUDA kernel ") + kernel + " could not be launched: " + cudaGetErrorString(status));
  }
}

namespace {
std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}

// Size classes: powers of two up to 1 MiB, then multiples of 1 MiB, so a block serves
// requests up to its class and little is wasted on the large buffers of a plan.
size_t size_class(size_t bytes) {
  if (bytes <= 256) return 256;
  if (bytes <= (1u << 20)) {
    size_t c = 512;
    while (c < bytes) c <<= 1;
    return c;
  }
  const size_t mib = size_t{1} << 20;
  return (bytes + mib - 1) / mib * mib;
}
}  // namespace

namespace {
// Never destroyed: plans freed while the process exits may still hand blocks back.
std::map<int, DevicePool*>& pools() {
  static auto* all = new std::map<int, DevicePool*>();
  return *all;
}
}  // namespace

DevicePool& DevicePool::of(int device) {
  std::lock_guard<std::mutex> lock(pool_mutex());
  auto it = pools().find(device);
  if (it == pools().end()) it = pools().emplace(device, new DevicePool(device)).first;
  return *it->second;
}

void DevicePool::release_anywhere(void* p) {
  std::vector<DevicePool*> all;
  {
    std::lock_guard<std::mutex> lock(pool_mutex());
    for (auto& [device, pool] : pools()) all.push_back(pool);
  }
  for (DevicePool* pool : all) pool->release(p);
}

void* DevicePool::allocate(size_t bytes) {
  const size_t cls = size_class(bytes);
  {
    std::lock_guard<std::mutex> lock(pool_mutex());
    auto it = free_.find(cls);
    if (it != free_.end()) {
      void* p = it->second;
      free_.erase(it);
      live_[p] = cls;
      return p;
    }
  }
  check(cudaSetDevice(device_), "cudaSetDevice");
  void* p = nullptr;
  cudaError_t status = cudaMalloc(&p, cls);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, give the cached blocks back and try once more
    trim();
    status = cudaMalloc(&p, cls);
  }
  if (status != cudaSuccess) {
    cudaGetLastError();
    size_t free_bytes = 0, total = 0;
    cudaMemGetInfo(&free_bytes, &total);
    throw std::runtime_error("out of GPU memory: could not allocate " + std::to_string(cls >> 20) + " MiB on cuda:" +
                             std::to_string(device_) + " (" + std::to_string(free_bytes >> 20) + " MiB free of " +
                             std::to_string(total >> 20) + " MiB); use a smaller batch size or model");
  }
  std::lock_guard<std::mutex> lock(pool_mutex());
  live_[p] = cls;
  return p;
}

void DevicePool::release(void* p) {
  if (p == nullptr) return;
  std::lock_guard<std::mutex> lock(pool_mutex());
  auto it = live_.find(p);
  if (it == live_.end()) return;
  free_.emplace(it->second, p);
  live_.erase(it);
}

void DevicePool::trim() {
  std::multimap<size_t, void*> blocks;
  {
    std::lock_guard<std::mutex> lock(pool_mutex());
    blocks.swap(free_);
  }
  cudaSetDevice(device_);
  for (auto& [cls, p] : blocks) cudaFree(p);
}

size_t DevicePool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(pool_mutex());
  size_t total = 0;
  for (auto& [cls, p] : free_) total += cls;
  return total;
}

void drop_graphs(DeviceState& s) {
  for (auto& [key, g] : s.graphs) {
    if (g.exec) cudaGraphExecDestroy(g.exec);
    if (g.graph) cudaGraphDestroy(g.graph);
  }
  s.graphs.clear();
}

void* scratch(const plan::Plan& p, int slot, size_t bytes) {
  DeviceState& s = state(p);
  if (slot < 0 || slot >= 8) throw std::runtime_error("scratch slot " + std::to_string(slot) + " is outside 0..7");
  if (s.scratch.size() < 8) s.scratch.resize(8);
  Scratch& sc = s.scratch[slot];
  if (bytes <= sc.bytes) return sc.data;
  if (s.capturing) {
    // The first, uncaptured run of every program sizes the scratch; a captured one cannot grow it.
    throw std::runtime_error("a kernel asked for more scratch memory while a CUDA graph was being captured");
  }
  // The old block may still be read by queued work: wait before it can be handed out again.
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  // Graphs captured with the old block would read freed memory.
  drop_graphs(s);
  DevicePool& pool = DevicePool::of(s.device);
  pool.release(sc.data);
  // Forgotten before allocating: if that throws, a later request must not get the released block.
  sc.data = nullptr;
  sc.bytes = 0;
  sc.data = pool.allocate(bytes);
  sc.bytes = bytes;
  return sc.data;
}

DeviceState::~DeviceState() {
  cudaSetDevice(device);
  if (stream) cudaStreamSynchronize(stream);
  drop_graphs(*this);
  DevicePool& pool = DevicePool::of(device);
  for (Scratch& sc : scratch) pool.release(sc.data);
  pool.release(scalars);
  pool.release(fault);
  if (fault_host) cudaFreeHost(fault_host);
  for (Staging& slot : staging) {
    if (slot.host) cudaFreeHost(slot.host);
    if (slot.copied) cudaEventDestroy(slot.copied);
  }
  if (records) cudaFreeHost(records);
  if (stream) cudaStreamDestroy(stream);
}

}  // namespace strata::cuda
