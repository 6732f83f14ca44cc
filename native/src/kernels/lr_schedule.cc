// Learning-rate schedules (Keras 3's keras.optimizers.schedules) evaluated inside the plan.
// A native call runs many train steps, so the schedule cannot be applied from JS between
// calls: the train program starts with this kernel, which writes the step's learning rate
// into the scalar the optimizer_update kernels read. As in Keras, a step's rate is the
// schedule at the iteration count before the step (optimizer_step_end increments it after).
// The same formulas run on the host in electron/engine/training/schedules.ts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../plan/plan.h"

namespace strata::kernels {
namespace {

enum Schedule : int64_t { kExponentialDecay = 0, kCosineDecay = 1, kPiecewiseConstantDecay = 2 };

constexpr double kPi = 3.14159265358979323846;

// Cosine decay from `from` to `from * alpha` over decay_steps; `step` is already clamped.
double cosine_decay(double step, double decay_steps, double from, double alpha) {
  const double cosine = 0.5 * (1.0 + std::cos(kPi * step / decay_steps));
  return from * ((1.0 - alpha) * cosine + alpha);
}

// ints [kind, iterations slot, learning-rate slot, flag]
//   flag: staircase (exponential), warmup_target given (cosine), unused (piecewise)
// floats per kind:
//   exponential [initial_learning_rate, decay_steps, decay_rate]
//   cosine      [initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps]
//   piecewise   [boundary 0 .. boundary n-1, value 0 .. value n]
void lr_schedule(plan::Plan& p, const plan::Instr& in) {
  const double step = p.scalars.at(in.ints[1]);
  const bool flag = in.ints[3] != 0;
  const std::vector<float>& f = in.floats;
  double lr = 0.0;
  switch (in.ints[0]) {
    case kExponentialDecay: {
      const double exponent = flag ? std::floor(step / f[1]) : step / f[1];
      lr = f[0] * std::pow(static_cast<double>(f[2]), exponent);
      break;
    }
    case kCosineDecay: {
      const double initial = f[0], decay_steps = f[1], alpha = f[2];
      if (!flag) {
        lr = cosine_decay(std::fmin(step, decay_steps), decay_steps, initial, alpha);
        break;
      }
      // Linear warmup from the initial rate to warmup_target, then cosine decay from there;
      // past decay_steps + warmup_steps the rate stays at warmup_target * alpha.
      const double target = f[3], warmup_steps = f[4];
      const double s = std::fmin(step, decay_steps + warmup_steps);
      lr = s < warmup_steps ? (target - initial) * (s / warmup_steps) + initial
                            : cosine_decay(s - warmup_steps, decay_steps, target, alpha);
      break;
    }
    case kPiecewiseConstantDecay: {
      // values[i] holds for boundaries[i-1] < step <= boundaries[i]; values[n] past the last.
      const size_t n = (f.size() - 1) / 2;
      size_t i = 0;
      while (i < n && step > f[i]) ++i;
      lr = f[n + i];
      break;
    }
    default:
      break;
  }
  p.scalars.at(in.ints[2]) = lr;
}

STRATA_KERNEL("lr_schedule", lr_schedule);

}  // namespace
}  // namespace strata::kernels
