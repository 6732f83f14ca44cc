// Learning-rate schedules on the device, the rules of src/kernels/lr_schedule.cc: one thread
// reads the iteration count from the plan's scalars and writes the step's learning rate, so
// that a captured train step needs nothing from the host. Same formulas, in double.
#include <cmath>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

enum Schedule : int64_t { kExponentialDecay = 0, kCosineDecay = 1, kPiecewiseConstantDecay = 2 };

constexpr double kPi = 3.14159265358979323846;

// The float attributes travel by value in the launch (no host copy inside a graph); a
// piecewise schedule holds 2 * boundaries + 1 of them.
constexpr int kMaxFloats = 255;

struct ScheduleArgs {
  int64_t kind = 0;
  bool flag = false;
  int count = 0;
  float f[kMaxFloats] = {};
};

__device__ double cosine_decay(double step, double decay_steps, double from, double alpha) {
  const double cosine = 0.5 * (1.0 + cos(kPi * step / decay_steps));
  return from * ((1.0 - alpha) * cosine + alpha);
}

__global__ void lr_schedule_kernel(ScheduleArgs a, const double* iterations, double* lr_out) {
  const double step = *iterations;
  const float* f = a.f;
  double lr = 0.0;
  switch (a.kind) {
    case kExponentialDecay: {
      const double exponent = a.flag ? floor(step / f[1]) : step / f[1];
      lr = f[0] * pow(static_cast<double>(f[2]), exponent);
      break;
    }
    case kCosineDecay: {
      const double initial = f[0], decay_steps = f[1], alpha = f[2];
      if (!a.flag) {
        lr = cosine_decay(fmin(step, decay_steps), decay_steps, initial, alpha);
        break;
      }
      // Linear warmup to warmup_target, then cosine decay from there (see lr_schedule.cc).
      const double target = f[3], warmup_steps = f[4];
      const double s = fmin(step, decay_steps + warmup_steps);
      lr = s < warmup_steps ? (target - initial) * (s / warmup_steps) + initial
                            : cosine_decay(s - warmup_steps, decay_steps, target, alpha);
      break;
    }
    case kPiecewiseConstantDecay: {
      const int n = (a.count - 1) / 2;
      int i = 0;
      while (i < n && step > f[i]) ++i;
      lr = f[n + i];
      break;
    }
    default:
      break;
  }
  *lr_out = lr;
}

// ints [kind, iterations slot, learning-rate slot, flag]; floats per kind (see lr_schedule.cc)
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
