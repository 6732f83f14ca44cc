// Learning-rate schedules on the device, the formulas of src/kernels/lr_schedule.h: one
// thread reads the iteration count from the plan's scalars and writes the step's learning
// rate, so that a captured train step needs nothing from the host.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"
#include "kernels/lr_schedule.h"

namespace strata::cuda {
namespace {

// The float attributes travel by value in the launch (no host copy inside a graph); a
// piecewise schedule holds 2 * boundaries + 1 of them.
constexpr int kMaxFloats = 255;

struct ScheduleArgs {
  int64_t kind = 0;
  bool flag = false;
  int count = 0;
  float f[kMaxFloats] = {};
};

__global__ void lr_schedule_kernel(ScheduleArgs a, const double* iterations, double* lr_out) {
  *lr_out = kernels::schedule_rate(a.kind, *iterations, a.flag, a.f, a.count);
}

// ints [kind, iterations slot, learning-rate slot, flag]; floats per kind (see lr_schedule.h)
void lr_schedule(plan::Plan& p, const plan::Instr& in) {
  if (in.floats.size() > static_cast<size_t>(kMaxFloats)) {
    throw std::runtime_error("lr_schedule: " + std::to_string(in.floats.size()) + " schedule values; the CUDA kernel takes at most " +
                             std::to_string(kMaxFloats) + " (" + std::to_string((kMaxFloats - 1) / 2) + " boundaries)");
  }
  ScheduleArgs a;
  a.kind = in.ints.at(0);
  a.flag = in.ints.at(3) != 0;
  a.count = static_cast<int>(in.floats.size());
  for (size_t i = 0; i < in.floats.size(); ++i) a.f[i] = in.floats[i];
  double* s = scalars(p);
  lr_schedule_kernel<<<1, 1, 0, stream(p)>>>(a, s + in.ints.at(1), s + in.ints.at(2));
  check_launch("lr_schedule");
}

STRATA_CUDA_KERNEL("lr_schedule", lr_schedule);

}  // namespace
}  // namespace strata::cuda
