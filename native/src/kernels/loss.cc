// Losses, each computing the batch loss and its gradient in one pass (forward and backward
// of a loss are always wanted together in training).
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
#include <algorithm>
#include <cmath>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include <stdexcept>
#include <string>

namespace strata::kernels {
namespace {

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

// Loss of one row and, when g is given, d(row loss)/d(pred) written into g (scaled by `scale`).
// `label` is the class index for the sparse loss.
float row_loss(int64_t kind, const float* p, const float* t, int32_t label, int64_t n, bool logits, float param, float* g,
               float scale) {
  float loss = 0.0f;
  switch (kind) {
    case kMse:
      for (int64_t j = 0; j < n; ++j) {
        const float e = p[j] - t[j];
        loss += e * e;
        if (g) g[j] = scale * 2.0f * e / n;
      }
      return loss / n;
    case kMae:
      for (int64_t j = 0; j < n; ++j) {
        const float e = p[j] - t[j];
        loss += std::fabs(e);
        if (g) g[j] = scale * (e > 0.0f ? 1.0f : e < 0.0f ? -1.0f : 0.0f) / n;
      }
      return loss / n;
    case kHuber: {
      const float d = param;
      for (int64_t j = 0; j < n; ++j) {
        const float e = p[j] - t[j], a = std::fabs(e);
        loss += a <= d ? 0.5f * e * e : d * (a - 0.5f * d);
        if (g) g[j] = scale * (a <= d ? e : (e > 0.0f ? d : -d)) / n;
      }
      return loss / n;
    }
    case kBinaryCrossentropy: {
      const float smooth = param;
      for (int64_t j = 0; j < n; ++j) {
        const float y = t[j] * (1.0f - smooth) + 0.5f * smooth;
        if (logits) {
          const float z = p[j];
          loss += std::max(z, 0.0f) - z * y + std::log1p(std::exp(-std::fabs(z)));
          if (g) g[j] = scale * (sigmoid(z) - y) / n;
        } else {
          const float q = std::clamp(p[j], kEps, 1.0f - kEps);
          loss += -(y * std::log(q) + (1.0f - y) * std::log(1.0f - q));
          if (g) g[j] = (p[j] > kEps && p[j] < 1.0f - kEps) ? scale * (q - y) / (q * (1.0f - q)) / n : 0.0f;
        }
      }
      return loss / n;
    }
    case kCategoricalCrossentropy: {
      const float smooth = param;
      float tsum = 0.0f;
      std::vector<float> y(n);
      for (int64_t j = 0; j < n; ++j) tsum += (y[j] = t[j] * (1.0f - smooth) + smooth / n);
      if (logits) {
        float m = p[0];
        for (int64_t j = 1; j < n; ++j) m = std::max(m, p[j]);
        float s = 0.0f;
        for (int64_t j = 0; j < n; ++j) s += std::exp(p[j] - m);
        const float lse = m + std::log(s);
        for (int64_t j = 0; j < n; ++j) {
          loss -= y[j] * (p[j] - lse);
          if (g) g[j] = scale * (std::exp(p[j] - lse) * tsum - y[j]);
        }
      } else {
        // Keras rescales the probabilities to sum to one before clipping.
        float s = 0.0f;
        for (int64_t j = 0; j < n; ++j) s += p[j];
        for (int64_t j = 0; j < n; ++j) {
          const float q = std::clamp(p[j] / s, kEps, 1.0f - kEps);
          loss -= y[j] * std::log(q);
          if (g) g[j] = scale * (tsum / s - (q > kEps && q < 1.0f - kEps ? y[j] / (q * s) : 0.0f));
        }
      }
      return loss;
    }
    case kSparseCategoricalCrossentropy: {
      if (logits) {
        float m = p[0];
        for (int64_t j = 1; j < n; ++j) m = std::max(m, p[j]);
        float s = 0.0f;
        for (int64_t j = 0; j < n; ++j) s += std::exp(p[j] - m);
        const float lse = m + std::log(s);
        loss = lse - p[label];
        if (g) {
          for (int64_t j = 0; j < n; ++j) g[j] = scale * std::exp(p[j] - lse);
          g[label] -= scale;
        }
      } else {
        const float q = std::clamp(p[label], kEps, 1.0f - kEps);
        loss = -std::log(q);
        if (g) {
          std::fill(g, g + n, 0.0f);
          if (p[label] > kEps && p[label] < 1.0f - kEps) g[label] = -scale / q;
        }
      }
      return loss;
    }
    case kKlDivergence:
      for (int64_t j = 0; j < n; ++j) {
        const float y = std::clamp(t[j], kEps, 1.0f), q = std::clamp(p[j], kEps, 1.0f);
        loss += y * std::log(y / q);
        if (g) g[j] = (p[j] > kEps && p[j] < 1.0f) ? -scale * y / q : 0.0f;
      }
      return loss;
    case kCosineSimilarity: {
      // loss = -cos(t, p); Keras l2-normalises both with an epsilon of 1e-12 on the squared norm.
      float tt = 0.0f, pp = 0.0f, tp = 0.0f;
      for (int64_t j = 0; j < n; ++j) {
        tt += t[j] * t[j];
        pp += p[j] * p[j];
        tp += t[j] * p[j];
      }
      const float tn = 1.0f / std::sqrt(std::max(tt, 1e-12f)), pn = 1.0f / std::sqrt(std::max(pp, 1e-12f));
      const float c = tp * tn * pn;
      if (g) {
        for (int64_t j = 0; j < n; ++j) g[j] = -scale * (t[j] * tn * pn - c * p[j] * pn * pn);
      }
      return -c;
    }
    default:
      return 0.0f;
  }
}

// bufs [pred, target, sample weights or -1, dpred or -1, mask or -1]
// ints [kind, cols, from logits, scalar slot, accumulate dpred]; floats [loss weight, param]
// target is int32 class indices (one per row) for the sparse loss, else like pred.
void loss_fwd_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t kind = in.ints[0], n = in.ints[1];
  const bool logits = in.ints[2] != 0, accumulate = in.ints[4] != 0;
  const float weight = in.floats[0], param = in.floats[1];
  const float* pred = p.f32(in.bufs[0]);
  const bool sparse = kind == kSparseCategoricalCrossentropy;
  const float* target = sparse ? nullptr : p.f32(in.bufs[1]);
  const int32_t* labels = sparse ? p.i32(in.bufs[1]) : nullptr;
  const float* sw = in.bufs[2] >= 0 ? p.f32(in.bufs[2]) : nullptr;
  float* grad = in.bufs[3] >= 0 ? p.f32(in.bufs[3]) : nullptr;
  const float* mask = in.bufs.size() > 4 && in.bufs[4] >= 0 ? p.f32(in.bufs[4]) : nullptr;
  const int64_t rows = p.count(in.bufs[0]) / n;
  if (mask && p.count(in.bufs[4]) != rows) {
    throw std::runtime_error("loss: the prediction's mask holds " + std::to_string(p.count(in.bufs[4])) +
                             " values but the prediction has " + std::to_string(rows) + " rows");
  }
  int64_t counted = rows;
  if (mask) counted = std::count_if(mask, mask + rows, [](float m) { return m != 0.0f; });
  // Sample weights are per sample; rows per sample > 1 for sequence outputs.
  const int64_t rows_per_sample = p.batch > 0 ? std::max<int64_t>(rows / p.batch, 1) : 1;
  std::vector<float> g(grad && accumulate ? n : 0);
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    if (mask && mask[r] == 0.0f) {
      if (grad && !accumulate) std::fill(grad + r * n, grad + (r + 1) * n, 0.0f);
      continue;
    }
    const int32_t label = sparse ? labels[r] : 0;
    if (sparse && (label < 0 || label >= n)) {
      throw std::runtime_error("target label " + std::to_string(label) + " at row " + std::to_string(r) +
                               " is outside the model's " + std::to_string(n) + " classes");
    }
    const float w = sw ? sw[r / rows_per_sample] : 1.0f;
    const float scale = counted > 0 ? weight * w / static_cast<float>(counted) : 0.0f;
    float* gr = grad ? (accumulate ? g.data() : grad + r * n) : nullptr;
    sum += static_cast<double>(w) * row_loss(kind, pred + r * n, target ? target + r * n : nullptr, label, n, logits, param, gr, scale);
    if (grad && accumulate) for (int64_t j = 0; j < n; ++j) grad[r * n + j] += g[j];
  }
  p.scalars.at(in.ints[3]) = counted > 0 ? sum / static_cast<double>(counted) : 0.0;
}

STRATA_KERNEL("loss", loss_fwd_bwd);

}  // namespace
}  // namespace strata::kernels
