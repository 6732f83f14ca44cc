#include "plan.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace strata::plan {

namespace {
std::map<std::string, KernelFn>& registry() {
  static std::map<std::string, KernelFn> kernels;
  return kernels;
}
}  // namespace

// Two kernels under one name would silently replace each other: a build mistake, stopped at load.
void register_kernel(const char* name, KernelFn fn) {
  if (!registry().emplace(name, fn).second) {
    std::fprintf(stderr, "strata native engine: two kernels are registered as \"%s\"\n", name);
    std::abort();
  }
}

KernelFn find_kernel(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> kernel_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
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

namespace {
// STRATA_PROFILE=1: time spent per kernel, printed to stderr when the process exits.
struct Profile {
  std::mutex mutex;
  std::map<std::string, std::pair<double, long>> kernels;
  ~Profile() {
    if (kernels.empty()) return;
    double total = 0;
    for (auto& [name, t] : kernels) total += t.first;
    std::fprintf(stderr, "strata kernel profile (%.1f ms in kernels):\n", total * 1e3);
    for (auto& [name, t] : kernels) {
      std::fprintf(stderr, "  %-20s %9.2f ms %6.1f%% %8ld calls %8.2f us/call\n", name.c_str(), t.first * 1e3, 100 * t.first / total,
                   t.second, 1e6 * t.first / t.second);
    }
  }
};
const bool kProfile = std::getenv("STRATA_PROFILE") != nullptr;
Profile& profile() {
  static Profile p;
  return p;
}
}  // namespace

void Plan::run(size_t program) {
  if (!kProfile) {
    for (const Instr& in : programs.at(program)) in.fn(*this, in);
    return;
  }
  for (const Instr& in : programs.at(program)) {
    const auto t0 = std::chrono::steady_clock::now();
    in.fn(*this, in);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard<std::mutex> lock(profile().mutex);
    auto& e = profile().kernels[in.kernel];
    e.first += dt;
    e.second += 1;
  }
}

}  // namespace strata::plan
