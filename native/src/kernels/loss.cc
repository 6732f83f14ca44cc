// Losses, each computing the batch loss and its gradient in one pass (forward and backward
// of a loss are always wanted together in training). The rules are in loss.h; here the rows
// run one after another on one thread.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "loss.h"
#include "row_lanes.h"

namespace strata::kernels {
namespace {

void loss_fwd_bwd(plan::Plan& p, const plan::Instr& in) {
  const LossArgs a = read_loss(p, in);
  const int64_t n = a.n;
  int64_t counted = a.rows;
  if (a.mask) counted = std::count_if(a.mask, a.mask + a.rows, [](float m) { return m != 0.0f; });
  double sum = 0.0;
  for (int64_t r = 0; r < a.rows; ++r) {
    float* gr = a.grad ? a.grad + r * n : nullptr;
    if (a.mask && a.mask[r] == 0.0f) {
      if (gr && !a.accumulate) std::fill(gr, gr + n, 0.0f);
      continue;
    }
    const int32_t label = a.labels ? a.labels[r] : 0;
    if (a.labels && (label < 0 || label >= n)) {
      throw std::runtime_error("target label " + std::to_string(label) + " at row " + std::to_string(r) +
                               " is outside the model's " + std::to_string(n) + " classes");
    }
    const float w = a.sample_weights ? a.sample_weights[r / a.rows_per_sample] : 1.0f;
    const float scale = counted > 0 ? a.weight * w / static_cast<float>(counted) : 0.0f;
    sum += static_cast<double>(w) * row_loss(a, OneLane{}, a.pred + r * n, a.target ? a.target + r * n : nullptr, label, gr, scale);
  }
  p.scalars.at(in.ints[3]) = batch_loss(sum, static_cast<double>(counted));
}

STRATA_KERNEL("loss", loss_fwd_bwd);

}  // namespace
}  // namespace strata::kernels
