// Metrics over a batch. Each writes the batch's sum of per-row values into a plan scalar
// (correct predictions for the accuracies, errors for mae/mse); the trainer divides by the
// rows seen, which gives Keras' running means over an epoch.
#include <algorithm>
#include <cmath>
#include <cstdint>

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

STRATA_KERNEL("metric", metric);
STRATA_KERNEL("confusion", confusion);

}  // namespace
}  // namespace strata::kernels
