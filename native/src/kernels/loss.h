// The losses' rules, shared by the CPU kernel (loss.cc) and the CUDA one: the attributes and
// buffers of a `loss` instruction, and the loss of one row with its gradient, written over
// lanes (row_lanes.h) so that one row may be split over a group of GPU threads.
//
// Keras semantics: the loss of one sample-row is reduced over the last axis (mean for the
// regression losses, sum for the cross-entropies); the batch loss is the mean of the rows'
// losses, each multiplied by its sample weight when there is one ("sum over batch size").
// The kernel writes that batch loss into a plan scalar and loss_weight * d(batch loss)/d(pred)
// into the gradient buffer.
//
// A mask on the prediction (a sequence output of a masked model: one value per row, 0 for a
// padded step) weighs each row as Keras 3's apply_mask does: masked rows count for nothing and
// the mean is over the rows the mask keeps (0 when it keeps none).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "activation.h"
#include "host_device.h"

namespace strata::kernels {

enum Loss : int64_t {
  kMse = 0,
  kMae = 1,
  kHuber = 2,
  kBinaryCrossentropy = 3,
  kCategoricalCrossentropy = 4,
  kSparseCategoricalCrossentropy = 5,
  kKlDivergence = 6,
  kCosineSimilarity = 7,
};

constexpr float kEps = 1e-7f;  // Keras' backend epsilon, used to clip probabilities

// bufs [pred, target, sample weights or -1, dpred or -1, mask or -1]
// ints [kind, cols, from logits, scalar slot, accumulate dpred]; floats [loss weight, param]
// target is int32 class indices (one per row) for the sparse loss, else like pred.
struct LossArgs {
  int64_t kind = 0, n = 0, rows = 0, rows_per_sample = 1;
  bool logits = false, accumulate = false;
  float weight = 1.0f, param = 0.0f;
  const float* pred = nullptr;
  const float* target = nullptr;    // null for the sparse loss
  const int32_t* labels = nullptr;  // the sparse loss's class ids
  const float* sample_weights = nullptr;
  float* grad = nullptr;
  const float* mask = nullptr;
};

inline LossArgs read_loss(const plan::Plan& p, const plan::Instr& in) {
  LossArgs a;
  a.kind = in.ints.at(0);
  a.n = in.ints.at(1);
  if (a.n <= 0) throw std::runtime_error("loss: rows of " + std::to_string(a.n) + " values");
  a.logits = in.ints.at(2) != 0;
  a.accumulate = in.ints.at(4) != 0;
  a.weight = in.floats.at(0);
  a.param = in.floats.at(1);
  a.pred = p.f32(in.bufs.at(0));
  if (a.kind == kSparseCategoricalCrossentropy) {
    a.labels = p.i32(in.bufs.at(1));
  } else {
    a.target = p.f32(in.bufs.at(1));
  }
  a.sample_weights = in.bufs.at(2) >= 0 ? p.f32(in.bufs[2]) : nullptr;
  a.grad = in.bufs.at(3) >= 0 ? p.f32(in.bufs[3]) : nullptr;
  a.mask = in.bufs.size() > 4 && in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  a.rows = p.count(in.bufs[0]) / a.n;
  if (a.mask && p.count(in.bufs[4]) != a.rows) {
    throw std::runtime_error("loss: the prediction's mask holds " + std::to_string(p.count(in.bufs[4])) +
                             " values but the prediction has " + std::to_string(a.rows) + " rows");
  }
  // Sample weights are per sample; rows per sample > 1 for sequence outputs.
  a.rows_per_sample = p.batch > 0 ? std::max<int64_t>(a.rows / p.batch, 1) : 1;
  return a;
}

// std::clamp with the bounds by value (kEps is a host constant: device code may read its
// value but not bind a reference to it).
STRATA_HD inline float clip(float v, float lo, float hi) { return std::clamp(v, lo, hi); }

// Writes or adds one gradient value.
STRATA_HD inline void put_grad(float* g, int64_t j, float v, bool accumulate) {
  if (accumulate) {
    g[j] += v;
  } else {
    g[j] = v;
  }
}

// The softmax's log-normaliser of a row of logits.
template <typename Lanes>
STRATA_HD inline float log_sum_exp(const Lanes& l, const float* p, int64_t n) {
  float m = -INFINITY;
  for (int64_t j = l.lane; j < n; j += l.width) m = std::max(m, p[j]);
  m = l.max(m);
  float s = 0.0f;
  for (int64_t j = l.lane; j < n; j += l.width) s += std::exp(p[j] - m);
  return m + std::log(l.sum(s));
}

// Loss of row p (targets t, or the class `label` for the sparse loss; every lane gets it)
// and, when g is given, d(row loss)/d(pred) times `scale` written or added into g.
template <typename Lanes>
STRATA_HD inline float row_loss(const LossArgs& a, const Lanes& l, const float* p, const float* t, int32_t label, float* g,
                                float scale) {
  const int64_t n = a.n;
  const float nf = static_cast<float>(n);
  const bool acc = a.accumulate;
  float loss = 0.0f;
  switch (a.kind) {
    case kMse:
      for (int64_t j = l.lane; j < n; j += l.width) {
        const float e = p[j] - t[j];
        loss += e * e;
        if (g) put_grad(g, j, scale * 2.0f * e / nf, acc);
      }
      return l.sum(loss) / nf;
    case kMae:
      for (int64_t j = l.lane; j < n; j += l.width) {
        const float e = p[j] - t[j];
        loss += std::fabs(e);
        if (g) put_grad(g, j, scale * (e > 0.0f ? 1.0f : e < 0.0f ? -1.0f : 0.0f) / nf, acc);
      }
      return l.sum(loss) / nf;
    case kHuber: {
      const float d = a.param;
      for (int64_t j = l.lane; j < n; j += l.width) {
        const float e = p[j] - t[j], ae = std::fabs(e);
        loss += ae <= d ? 0.5f * e * e : d * (ae - 0.5f * d);
        if (g) put_grad(g, j, scale * (ae <= d ? e : (e > 0.0f ? d : -d)) / nf, acc);
      }
      return l.sum(loss) / nf;
    }
    case kBinaryCrossentropy: {
      const float smooth = a.param;
      for (int64_t j = l.lane; j < n; j += l.width) {
        const float y = t[j] * (1.0f - smooth) + 0.5f * smooth;
        if (a.logits) {
          const float z = p[j];
          loss += std::max(z, 0.0f) - z * y + std::log1p(std::exp(-std::fabs(z)));
          if (g) put_grad(g, j, scale * (sigmoid(z) - y) / nf, acc);
        } else {
          const float q = clip(p[j], kEps, 1.0f - kEps);
          loss += -(y * std::log(q) + (1.0f - y) * std::log(1.0f - q));
          if (g) put_grad(g, j, (p[j] > kEps && p[j] < 1.0f - kEps) ? scale * (q - y) / (q * (1.0f - q)) / nf : 0.0f, acc);
        }
      }
      return l.sum(loss) / nf;
    }
    case kCategoricalCrossentropy: {
      const float smooth = a.param;
      float tsum = 0.0f;
      for (int64_t j = l.lane; j < n; j += l.width) tsum += t[j] * (1.0f - smooth) + smooth / nf;
      tsum = l.sum(tsum);
      if (a.logits) {
        const float lse = log_sum_exp(l, p, n);
        for (int64_t j = l.lane; j < n; j += l.width) {
          const float y = t[j] * (1.0f - smooth) + smooth / nf;
          loss += y * (p[j] - lse);
          if (g) put_grad(g, j, scale * (std::exp(p[j] - lse) * tsum - y), acc);
        }
      } else {
        // Keras rescales the probabilities to sum to one before clipping.
        float s = 0.0f;
        for (int64_t j = l.lane; j < n; j += l.width) s += p[j];
        s = l.sum(s);
        for (int64_t j = l.lane; j < n; j += l.width) {
          const float y = t[j] * (1.0f - smooth) + smooth / nf;
          const float q = clip(p[j] / s, kEps, 1.0f - kEps);
          loss += y * std::log(q);
          if (g) put_grad(g, j, scale * (tsum / s - (q > kEps && q < 1.0f - kEps ? y / (q * s) : 0.0f)), acc);
        }
      }
      return -l.sum(loss);
    }
    case kSparseCategoricalCrossentropy: {
      if (a.logits) {
        const float lse = log_sum_exp(l, p, n);
        if (g) {
          for (int64_t j = l.lane; j < n; j += l.width) {
            const float v = scale * std::exp(p[j] - lse);
            put_grad(g, j, j == label ? v - scale : v, acc);
          }
        }
        return lse - p[label];
      }
      const float q = clip(p[label], kEps, 1.0f - kEps);
      if (g) {
        const bool inside = p[label] > kEps && p[label] < 1.0f - kEps;
        for (int64_t j = l.lane; j < n; j += l.width) put_grad(g, j, j == label && inside ? -scale / q : 0.0f, acc);
      }
      return -std::log(q);
    }
    case kKlDivergence:
      for (int64_t j = l.lane; j < n; j += l.width) {
        const float y = clip(t[j], kEps, 1.0f), q = clip(p[j], kEps, 1.0f);
        loss += y * std::log(y / q);
        if (g) put_grad(g, j, (p[j] > kEps && p[j] < 1.0f) ? -scale * y / q : 0.0f, acc);
      }
      return l.sum(loss);
    case kCosineSimilarity: {
      // loss = -cos(t, p); Keras l2-normalises both with an epsilon of 1e-12 on the squared norm.
      float tt = 0.0f, pp = 0.0f, tp = 0.0f;
      for (int64_t j = l.lane; j < n; j += l.width) {
        tt += t[j] * t[j];
        pp += p[j] * p[j];
        tp += t[j] * p[j];
      }
      tt = l.sum(tt);
      pp = l.sum(pp);
      tp = l.sum(tp);
      const float tn = 1.0f / std::sqrt(std::max(tt, 1e-12f)), pn = 1.0f / std::sqrt(std::max(pp, 1e-12f));
      const float c = tp * tn * pn;
      if (g) {
        for (int64_t j = l.lane; j < n; j += l.width) put_grad(g, j, -scale * (t[j] * tn * pn - c * p[j] * pn * pn), acc);
      }
      return -c;
    }
    default:
      return 0.0f;
  }
}

// The batch loss from the sum of weighted row losses: their mean over the counted rows.
STRATA_HD inline double batch_loss(double sum, double counted) { return counted > 0 ? sum / counted : 0.0; }

}  // namespace strata::kernels
