// The device side of step plans in a build without CUDA: no devices, and a plan asked for
// on one is refused with the reason.
#include <stdexcept>

#include "device.h"

namespace strata::device {

namespace {
[[noreturn]] void no_backend() {
  throw std::runtime_error(
      "this build of Strata's native engine has no CUDA backend (nvcc was not found when it was built); "
      "install the CUDA toolkit and run `npm run build:native`, or train on the CPU");
}
}  // namespace

Probe probe(bool) {
  Probe p;
  p.problem = "this build of the native engine has no CUDA backend (it was built where nvcc was not found, or with STRATA_CUDA=0)";
  return p;
}

void create(plan::Plan&, int, plan::Precision) { no_backend(); }
void write(plan::Plan&, int32_t, const void*, int64_t) { no_backend(); }
void read(plan::Plan&, int32_t, void*, int64_t) { no_backend(); }
void resize(plan::Plan&, int32_t, int64_t) { no_backend(); }
void pull_scalars(plan::Plan&) { no_backend(); }
void push_scalars(plan::Plan&) { no_backend(); }
std::vector<double> run_steps(plan::Plan&, size_t, int64_t, int64_t, int64_t, int64_t, int64_t, const std::vector<int64_t>&) {
  no_backend();
}
void run(plan::Plan&, size_t) { no_backend(); }
double gemm_tflops(int, int64_t, int64_t, int64_t, plan::Precision, int) { no_backend(); }

}  // namespace strata::device
