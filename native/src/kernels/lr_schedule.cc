// Learning-rate schedules (Keras 3's keras.optimizers.schedules) evaluated inside the plan.
// A native call runs many train steps, so the schedule cannot be applied from JS between
// calls: the train program starts with this kernel, which writes the step's learning rate
// into the scalar the optimizer_update kernels read. As in Keras, a step's rate is the
// schedule at the iteration count before the step (optimizer_step_end increments it after).
// The formulas are in lr_schedule.h, shared with the CUDA kernel.
#include <cstdint>

#include "../plan/plan.h"
#include "lr_schedule.h"

namespace strata::kernels {
namespace {

// ints [kind, iterations slot, learning-rate slot, flag]; floats per kind (see lr_schedule.h)
void lr_schedule(plan::Plan& p, const plan::Instr& in) {
  const double step = p.scalars.at(in.ints[1]);
  p.scalars.at(in.ints[2]) =
      schedule_rate(in.ints[0], step, in.ints[3] != 0, in.floats.data(), static_cast<int64_t>(in.floats.size()));
}

STRATA_KERNEL("lr_schedule", lr_schedule);

}  // namespace
}  // namespace strata::kernels
