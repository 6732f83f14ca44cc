// Learning-rate schedules (Keras 3's keras.optimizers.schedules), in double, for the CPU
// and the CUDA lr_schedule kernels. The same formulas run on the host in
// electron/engine/training/schedules.ts.
#pragma once

#include <cmath>
#include <cstdint>

#include "host_device.h"

namespace strata::kernels {

enum Schedule : int64_t { kExponentialDecay = 0, kCosineDecay = 1, kPiecewiseConstantDecay = 2 };

// Cosine decay from `from` to `from * alpha` over decay_steps; `step` is already clamped.
STRATA_HD inline double cosine_decay(double step, double decay_steps, double from, double alpha) {
  constexpr double kPi = 3.14159265358979323846;
  const double cosine = 0.5 * (1.0 + std::cos(kPi * step / decay_steps));
  return from * ((1.0 - alpha) * cosine + alpha);
}

// The rate at `step` (the iteration count before the step).
// flag: staircase (exponential), warmup_target given (cosine), unused (piecewise)
// f (count values) per kind:
//   exponential [initial_learning_rate, decay_steps, decay_rate]
//   cosine      [initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps]
//   piecewise   [boundary 0 .. boundary n-1, value 0 .. value n]
STRATA_HD inline double schedule_rate(int64_t kind, double step, bool flag, const float* f, int64_t count) {
  switch (kind) {
    case kExponentialDecay: {
      const double exponent = flag ? std::floor(step / f[1]) : step / f[1];
      return f[0] * std::pow(static_cast<double>(f[2]), exponent);
    }
    case kCosineDecay: {
      const double initial = f[0], decay_steps = f[1], alpha = f[2];
      if (!flag) return cosine_decay(std::fmin(step, decay_steps), decay_steps, initial, alpha);
      // Linear warmup from the initial rate to warmup_target, then cosine decay from there;
      // past decay_steps + warmup_steps the rate stays at warmup_target * alpha.
      const double target = f[3], warmup_steps = f[4];
      const double s = std::fmin(step, decay_steps + warmup_steps);
      return s < warmup_steps ? (target - initial) * (s / warmup_steps) + initial
                              : cosine_decay(s - warmup_steps, decay_steps, target, alpha);
    }
    case kPiecewiseConstantDecay: {
      // values[i] holds for boundaries[i-1] < step <= boundaries[i]; values[n] past the last.
      const int64_t n = (count - 1) / 2;
      int64_t i = 0;
      while (i < n && step > f[i]) ++i;
      return f[n + i];
    }
    default:
      return 0.0;
  }
}

}  // namespace strata::kernels
