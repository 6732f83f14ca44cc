// Metrics over a batch. Each writes the batch's sum of per-row values into a plan scalar
// (correct predictions for the accuracies, errors for mae/mse); the trainer divides by the
// rows seen, which gives Keras' running means over an epoch.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../plan/plan.h"
#include "metrics.h"
#include "row_lanes.h"

namespace strata::kernels {
namespace {

// bufs [pred, target]; ints [kind, cols, scalar slot, k]; floats [threshold]
void metric(plan::Plan& p, const plan::Instr& in) {
  const MetricArgs a = read_metric(p, in);
  double sum = 0.0;
  for (int64_t r = 0; r < a.rows; ++r) {
    if (bad_label(a, r)) {
      throw std::runtime_error("target label " + std::to_string(a.labels[r]) + " at row " + std::to_string(r) +
                               " is outside the model's " + std::to_string(a.n) + " classes");
    }
    sum += row_metric(a, OneLane{}, r);
  }
  p.scalars.at(in.ints[2]) = sum;
}

// Confusion counts at a threshold for precision and recall: scalars [tp, fp, fn].
// bufs [pred, target]; ints [cols, first scalar slot]; floats [threshold]
void confusion(plan::Plan& p, const plan::Instr& in) {
  const int64_t n = in.ints[0];
  const float threshold = in.floats[0];
  const float* pred = p.f32(in.bufs[0]);
  const float* target = p.f32(in.bufs[1]);
  const int64_t count = p.count(in.bufs[0]);
  double tp = 0, fp = 0, fn = 0;
  for (int64_t i = 0; i < count; ++i) {
    const bool yes = pred[i] > threshold, truth = target[i] > 0.5f;
    tp += yes && truth;
    fp += yes && !truth;
    fn += !yes && truth;
  }
  (void)n;
  p.scalars.at(in.ints[1]) = tp;
  p.scalars.at(in.ints[1] + 1) = fp;
  p.scalars.at(in.ints[1] + 2) = fn;
}

// Counts for Keras' AUC at its thresholds (auc_threshold): how many positive and how many
// negative entries score above each, then the totals. The host sums them over the epoch and
// takes the ROC area from them.
// bufs [pred, target]; ints [thresholds T, first scalar slot] -> scalars [tp x T, fp x T, P, N]
void auc_counts(plan::Plan& p, const plan::Instr& in) {
  const int64_t t = in.ints[0], slot = in.ints[1];
  const float* pred = p.f32(in.bufs[0]);
  const float* target = p.f32(in.bufs[1]);
  const int64_t count = p.count(in.bufs[0]);
  if (t < 1) throw std::runtime_error("auc_counts: " + std::to_string(t) + " thresholds");
  if (slot < 0 || slot + 2 * t + 2 > static_cast<int64_t>(p.scalars.size())) {
    throw std::runtime_error("auc_counts: scalar slots " + std::to_string(slot) + " + " + std::to_string(2 * t + 2) +
                             " run past the plan's " + std::to_string(p.scalars.size()));
  }
  // above[k]: entries whose score beats exactly the k lowest thresholds (thresholds ascend).
  std::vector<double> above_pos(t + 1, 0.0), above_neg(t + 1, 0.0);
  for (int64_t i = 0; i < count; ++i) (target[i] > 0.5f ? above_pos : above_neg)[thresholds_beaten(pred[i], t)] += 1;
  auc_store(above_pos.data(), above_neg.data(), t, p.scalars.data() + slot);
}

STRATA_KERNEL("metric", metric);
STRATA_KERNEL("confusion", confusion);
STRATA_KERNEL("auc_counts", auc_counts);

}  // namespace
}  // namespace strata::kernels
