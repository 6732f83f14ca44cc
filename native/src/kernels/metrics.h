// The metrics' rules, shared by the CPU kernels (metrics.cc) and the CUDA ones: the
// attributes of a `metric` instruction, one row's value written over lanes (row_lanes.h),
// and Keras' AUC thresholds.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "host_device.h"

namespace strata::kernels {

enum Metric : int64_t {
  kSparseAccuracy = 0,       // argmax(pred) == label
  kCategoricalAccuracy = 1,  // argmax(pred) == argmax(target)
  kBinaryAccuracy = 2,       // mean over the row of (pred > threshold) == (target > 0.5)
  kSparseTopK = 3,
  kCategoricalTopK = 4,
  kMaeMetric = 5,
  kMseMetric = 6,
};

// bufs [pred, target]; ints [kind, cols, scalar slot, k]; floats [threshold]
struct MetricArgs {
  int64_t kind = 0, n = 0, k = 0, rows = 0;
  float threshold = 0.5f;
  const float* pred = nullptr;
  const float* target = nullptr;    // null for the sparse metrics
  const int32_t* labels = nullptr;  // their class ids
};

inline MetricArgs read_metric(const plan::Plan& p, const plan::Instr& in) {
  MetricArgs a;
  a.kind = in.ints.at(0);
  a.n = in.ints.at(1);
  a.k = in.ints.at(3);
  if (a.n <= 0) throw std::runtime_error("metric: rows of " + std::to_string(a.n) + " values");
  a.threshold = in.floats.empty() ? 0.5f : in.floats[0];
  a.pred = p.f32(in.bufs.at(0));
  a.rows = p.count(in.bufs[0]) / a.n;
  if (a.kind == kSparseAccuracy || a.kind == kSparseTopK) {
    a.labels = p.i32(in.bufs.at(1));
  } else {
    a.target = p.f32(in.bufs.at(1));
  }
  return a;
}

// Whether row r's class id is outside the row (only the top-k metric would index with it).
STRATA_HD inline bool bad_label(const MetricArgs& a, int64_t r) {
  return a.kind == kSparseTopK && (a.labels[r] < 0 || a.labels[r] >= a.n);
}

// True when fewer than k values beat v[label] (ties count for the label, as in Keras' in_top_k).
template <typename Lanes>
STRATA_HD inline bool in_top_k(const Lanes& l, const float* v, int64_t n, int64_t label, int64_t k) {
  const float x = v[label];
  int64_t above = 0;
  for (int64_t j = l.lane; j < n; j += l.width) above += v[j] > x;
  return l.sum(above) < k;
}

// Row r's value (every lane gets it); its label must not be bad_label.
template <typename Lanes>
STRATA_HD inline double row_metric(const MetricArgs& a, const Lanes& l, int64_t r) {
  const int64_t n = a.n;
  const float* pr = a.pred + r * n;
  const float* tr = a.target ? a.target + r * n : nullptr;
  switch (a.kind) {
    case kSparseAccuracy: return l.argmax(pr, n) == a.labels[r];
    case kCategoricalAccuracy: return l.argmax(pr, n) == l.argmax(tr, n);
    case kSparseTopK: return in_top_k(l, pr, n, a.labels[r], a.k);
    case kCategoricalTopK: return in_top_k(l, pr, n, l.argmax(tr, n), a.k);
    case kBinaryAccuracy: {
      int64_t hit = 0;
      for (int64_t j = l.lane; j < n; j += l.width) hit += (pr[j] > a.threshold) == (tr[j] > 0.5f);
      return static_cast<double>(l.sum(hit)) / n;
    }
    case kMaeMetric:
    case kMseMetric: {
      double e = 0.0;
      for (int64_t j = l.lane; j < n; j += l.width) {
        const double d = pr[j] - tr[j];
        e += a.kind == kMaeMetric ? std::fabs(d) : d * d;
      }
      return l.sum(e) / n;
    }
    default: return 0.0;
  }
}

// Keras' AUC thresholds: t_0 = -eps, t_j = j / (T-1), t_{T-1} = 1 + eps.
STRATA_HD inline float auc_threshold(int64_t j, int64_t t) {
  if (j == t - 1) return 1.0f + 1e-7f;
  if (j == 0) return -1e-7f;
  return static_cast<float>(j) / static_cast<float>(t - 1);
}

// How many thresholds the score beats (std::upper_bound with <=: a NaN beats them all).
STRATA_HD inline int64_t thresholds_beaten(float score, int64_t t) {
  int64_t lo = 0, hi = t;
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (score <= auc_threshold(mid, t)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// From the histograms of entries beating exactly k thresholds (k = 0..T; positives `pos`,
// negatives `neg`) to the scalars [tp x T, fp x T, P, N]: an entry beating k thresholds
// counts at thresholds 0..k-1, so suffix sums give the counts. Integers, exact in double.
template <typename T>
STRATA_HD inline void auc_store(const T* pos, const T* neg, int64_t t, double* out) {
  double tp = 0, fp = 0;
  for (int64_t j = t - 1; j >= 0; --j) {
    tp += pos[j + 1];
    fp += neg[j + 1];
    out[j] = tp;
    out[t + j] = fp;
  }
  out[2 * t] = tp + pos[0];
  out[2 * t + 1] = fp + neg[0];
}

}  // namespace strata::kernels
