// Metrics over a batch. Each writes the batch's sum of per-row values into a plan scalar
// (correct predictions for the accuracies, errors for mae/mse); the trainer divides by the
// rows seen, which gives Keras' running means over an epoch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "../plan/plan.h"

namespace strata::kernels {
namespace {

enum Metric : int64_t {
  kSparseAccuracy = 0,       // argmax(pred) == label
  kCategoricalAccuracy = 1,  // argmax(pred) == argmax(target)
  kBinaryAccuracy = 2,       // mean over the row of (pred > threshold) == (target > 0.5)
  kSparseTopK = 3,
  kCategoricalTopK = 4,
  kMae = 5,
  kMse = 6,
};

int64_t argmax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

// True when fewer than k values beat v[label] (ties count for the label, as in Keras' in_top_k).
bool in_top_k(const float* v, int64_t n, int64_t label, int64_t k) {
  int64_t above = 0;
  for (int64_t j = 0; j < n; ++j) above += v[j] > v[label];
  return above < k;
}

// bufs [pred, target]; ints [kind, cols, scalar slot, k]; floats [threshold]
void metric(plan::Plan& p, const plan::Instr& in) {
  const int64_t kind = in.ints[0], n = in.ints[1], k = in.ints[3];
  const float threshold = in.floats.empty() ? 0.5f : in.floats[0];
  const float* pred = p.f32(in.bufs[0]);
  const int64_t rows = p.count(in.bufs[0]) / n;
  const bool sparse = kind == kSparseAccuracy || kind == kSparseTopK;
  const int32_t* labels = sparse ? p.i32(in.bufs[1]) : nullptr;
  const float* target = sparse ? nullptr : p.f32(in.bufs[1]);
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* pr = pred + r * n;
    const float* tr = target ? target + r * n : nullptr;
    switch (kind) {
      case kSparseAccuracy: sum += argmax(pr, n) == labels[r]; break;
      case kCategoricalAccuracy: sum += argmax(pr, n) == argmax(tr, n); break;
      case kSparseTopK: sum += in_top_k(pr, n, labels[r], k); break;
      case kCategoricalTopK: sum += in_top_k(pr, n, argmax(tr, n), k); break;
      case kBinaryAccuracy: {
        int64_t hit = 0;
        for (int64_t j = 0; j < n; ++j) hit += (pr[j] > threshold) == (tr[j] > 0.5f);
        sum += static_cast<double>(hit) / n;
        break;
      }
      case kMae: case kMse: {
        double e = 0.0;
        for (int64_t j = 0; j < n; ++j) {
          const double d = pr[j] - tr[j];
          e += kind == kMae ? std::fabs(d) : d * d;
        }
        sum += e / n;
        break;
      }
      default: break;
    }
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

// Counts for Keras' AUC at its thresholds t_0 = 0-eps, t_j = j/(T-1), t_{T-1} = 1+eps: how
// many positive and how many negative entries score above each, then the totals. The host
// sums them over the epoch and takes the ROC area from them.
// bufs [pred, target]; ints [thresholds T, first scalar slot] -> scalars [tp x T, fp x T, P, N]
void auc_counts(plan::Plan& p, const plan::Instr& in) {
  const int64_t t = in.ints[0], slot = in.ints[1];
  const float* pred = p.f32(in.bufs[0]);
  const float* target = p.f32(in.bufs[1]);
  const int64_t count = p.count(in.bufs[0]);
  constexpr float kEpsilon = 1e-7f;
  std::vector<float> thresholds(t);
  for (int64_t j = 0; j < t; ++j) thresholds[j] = static_cast<float>(j) / static_cast<float>(t - 1);
  thresholds[0] = -kEpsilon;
  thresholds[t - 1] = 1.0f + kEpsilon;
  // above[k]: entries whose score beats exactly the k lowest thresholds (thresholds ascend).
  std::vector<double> above_pos(t + 1, 0.0), above_neg(t + 1, 0.0);
  double positives = 0, negatives = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t beaten = std::upper_bound(thresholds.begin(), thresholds.end(), pred[i], std::less_equal<float>()) - thresholds.begin();
    if (target[i] > 0.5f) { above_pos[beaten] += 1; positives += 1; }
    else { above_neg[beaten] += 1; negatives += 1; }
  }
  // An entry beating k thresholds counts at thresholds 0..k-1: suffix sums give the counts.
  double tp = 0, fp = 0;
  for (int64_t j = t - 1; j >= 0; --j) {
    tp += above_pos[j + 1];
    fp += above_neg[j + 1];
    p.scalars.at(slot + j) = tp;
    p.scalars.at(slot + t + j) = fp;
  }
  p.scalars.at(slot + 2 * t) = positives;
  p.scalars.at(slot + 2 * t + 1) = negatives;
}

STRATA_KERNEL("metric", metric);
STRATA_KERNEL("confusion", confusion);
STRATA_KERNEL("auc_counts", auc_counts);

}  // namespace
}  // namespace strata::kernels
