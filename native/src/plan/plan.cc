#include "plan.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

namespace strata::plan {

namespace {
std::map<std::string, KernelFn>& registry() {
  static std::map<std::string, KernelFn> kernels;
  return kernels;
}
}  // namespace

void register_kernel(const char* name, KernelFn fn) { registry()[name] = fn; }

KernelFn find_kernel(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second;
}

void allocate(Buffer& b, int64_t max_batch) {
  const int64_t elems = b.batched ? b.size * max_batch : b.size;
  // Round up so that vector loops may run a whole register past the end.
  const int64_t padded = ((elems + 15) / 16) * 16 + 16;
  const size_t bytes = static_cast<size_t>(padded) * sizeof(float);
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::runtime_error("out of memory allocating a plan buffer of " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, bytes);
  b.data = std::unique_ptr<float[], void (*)(float*)>(static_cast<float*>(p), [](float* q) { std::free(q); });
  b.capacity = elems;
}

void Plan::run(size_t program) {
  for (const Instr& in : programs.at(program)) in.fn(*this, in);
}

}  // namespace strata::plan
