// Merge kernels: element-wise merges with broadcasting (Add, Subtract, Multiply, Average,
// Maximum, Minimum), and the L2 normalization along one axis of Dot(normalize=True).
// Forward next to backward. Concatenate runs on concat_fwd (layout.cc), Dot's product on
// matmul_fwd (matmul.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../plan/plan.h"
#include "merge.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// ---- element-wise merges --------------------------------------------------------------------
// The output's sample shape is given with adjacent axes merged where no input changes
// broadcasting between them (the emitter does that), e.g. (32, 32, 64) + (1, 1, 64) is
// (1024, 64) + (1, 64). An input either has the output's size on an axis or 1 (broadcast);
// every input has the batch axis. The output is processed in rows of its last axis: per
// row, each input is one contiguous row (stride 1) or one repeated value (stride 0).

enum MergeOp : int64_t { kAdd = 0, kSubtract = 1, kMultiply = 2, kAverage = 3, kMaximum = 4, kMinimum = 5 };

// Where each input's row starts, for any output row.
struct Broadcast {
  int64_t rank = 0, inner = 1, rows_per_sample = 1;
  std::vector<int64_t> dims;                   // output sample dims (merged)
  std::vector<std::vector<int64_t>> strides;   // per input, per axis: 0 when broadcast
  std::vector<int64_t> sample;                 // per input: elements per sample
  std::vector<int64_t> step;                   // per input: stride along the last axis (0 or 1)

  // ints at `at`: [rank, dims (rank), broadcast flags (inputs x rank)]
  Broadcast(const std::vector<int64_t>& v, size_t at, int64_t inputs) {
    rank = v[at];
    dims.assign(v.begin() + at + 1, v.begin() + at + 1 + rank);
    inner = dims[rank - 1];
    for (int64_t k = 0; k + 1 < rank; ++k) rows_per_sample *= dims[k];
    strides.resize(inputs);
    sample.resize(inputs);
    step.resize(inputs);
    for (int64_t i = 0; i < inputs; ++i) {
      const int64_t* flags = v.data() + at + 1 + rank + i * rank;
      strides[i].resize(rank);
      int64_t s = 1;
      for (int64_t k = rank - 1; k >= 0; --k) {
        strides[i][k] = flags[k] ? 0 : s;
        if (!flags[k]) s *= dims[k];
      }
      sample[i] = s;
      step[i] = strides[i][rank - 1];
    }
  }
  int64_t row_offset(int64_t i, int64_t r) const {
    int64_t rem = r % rows_per_sample, off = (r / rows_per_sample) * sample[i];
    for (int64_t k = rank - 2; k >= 0; --k) {
      off += (rem % dims[k]) * strides[i][k];
      rem /= dims[k];
    }
    return off;
  }
  bool broadcasts(int64_t i) const { return sample[i] != rows_per_sample * inner; }
};

// y[j] = op(y[j], x[j * step]), the step hoisted so that each loop vectorizes.
template <typename F>
inline void combine(float* y, const float* x, int64_t step, int64_t n, F&& f) {
  if (step == 1) {
    for (int64_t j = 0; j < n; ++j) y[j] = f(y[j], x[j]);
  } else {
    const float v = x[0];
    for (int64_t j = 0; j < n; ++j) y[j] = f(y[j], v);
  }
}

void combine_op(int64_t op, float* y, const float* x, int64_t step, int64_t n) {
  switch (op) {
    case kAdd:
    case kAverage: combine(y, x, step, n, [](float a, float b) { return a + b; }); break;
    case kSubtract: combine(y, x, step, n, [](float a, float b) { return a - b; }); break;
    case kMultiply: combine(y, x, step, n, [](float a, float b) { return a * b; }); break;
    case kMaximum: combine(y, x, step, n, [](float a, float b) { return a >= b ? a : b; }); break;
    case kMinimum: combine(y, x, step, n, [](float a, float b) { return a <= b ? a : b; }); break;
  }
}

// bufs [y, x_0, ..., x_{n-1}]; ints [op, n, rank, dims (rank), broadcast flags (n x rank)]
// Inputs fold left to right (Keras: out = op(op(x0, x1), x2)); Average divides at the end.
void merge_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t op = in.ints[0], n = in.ints[1];
  const Broadcast bc(in.ints, 2, n);
  float* y = p.f32(in.bufs[0]);
  std::vector<const float*> xs(n);
  for (int64_t i = 0; i < n; ++i) xs[i] = p.f32(in.bufs[1 + i]);
  const int64_t rows = p.count(in.bufs[0]) / bc.inner, C = bc.inner;
  for_rows(rows, C * n, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* yr = y + r * C;
      const float* x0 = xs[0] + bc.row_offset(0, r);
      if (bc.step[0] == 1) std::memcpy(yr, x0, static_cast<size_t>(C) * sizeof(float));
      else std::fill(yr, yr + C, x0[0]);
      for (int64_t i = 1; i < n; ++i) combine_op(op, yr, xs[i] + bc.row_offset(i, r), bc.step[i], C);
      if (op == kAverage) {
        const float inv = 1.0f / static_cast<float>(n);
        for (int64_t j = 0; j < C; ++j) yr[j] *= inv;
      }
    }
  });
}

// bufs [dy, y, dx, x_0, ..., x_{n-1}]; ints [op, n, which, accumulate, rank, dims, flags]
// The gradient of input `which`, summed over the axes it was broadcast along:
//   Add: dy   Subtract: ±dy   Average: dy / n   Multiply: dy * (product of the other inputs)
//   Maximum / Minimum: dy where this input is the first one equal to the output, else 0
//   (ties go to the earliest input, as TensorFlow's maximum gradient does).
// Inputs that broadcast receive many output rows into one row of theirs, so those are
// summed by tasks that own whole samples; other inputs get one output row per row.
void merge_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t op = in.ints[0], n = in.ints[1], which = in.ints[2];
  const bool acc = in.ints[3] != 0;
  const Broadcast bc(in.ints, 4, n);
  const float* dy = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  float* dx = p.f32(in.bufs[2]);
  std::vector<const float*> xs(n);
  for (int64_t i = 0; i < n; ++i) xs[i] = p.f32(in.bufs[3 + i]);
  const int64_t C = bc.inner, rows = p.count(in.bufs[0]) / C;
  const bool reduce = bc.broadcasts(which);
  const int64_t wstep = bc.step[which];

  // The gradient of one output row, in g.
  auto row_grad = [&](int64_t r, float* g) {
    const float* dyr = dy + r * C;
    switch (op) {
      case kAdd: std::memcpy(g, dyr, static_cast<size_t>(C) * sizeof(float)); break;
      case kSubtract: {
        const float sign = which == 0 ? 1.0f : -1.0f;
        for (int64_t j = 0; j < C; ++j) g[j] = sign * dyr[j];
        break;
      }
      case kAverage: {
        const float inv = 1.0f / static_cast<float>(n);
        for (int64_t j = 0; j < C; ++j) g[j] = dyr[j] * inv;
        break;
      }
      case kMultiply:
        std::memcpy(g, dyr, static_cast<size_t>(C) * sizeof(float));
        for (int64_t i = 0; i < n; ++i)
          if (i != which) combine(g, xs[i] + bc.row_offset(i, r), bc.step[i], C, [](float a, float b) { return a * b; });
        break;
      case kMaximum:
      case kMinimum: {
        const float* yr = y + r * C;
        const float* xw = xs[which] + bc.row_offset(which, r);
        // Selects with unconditional loads, so that the loops vectorize.
        if (wstep == 1) {
          for (int64_t j = 0; j < C; ++j) {
            const float d = dyr[j];
            g[j] = xw[j] == yr[j] ? d : 0.0f;
          }
        } else {
          for (int64_t j = 0; j < C; ++j) {
            const float d = dyr[j];
            g[j] = xw[0] == yr[j] ? d : 0.0f;
          }
        }
        for (int64_t i = 0; i < which; ++i) {
          const float* xi = xs[i] + bc.row_offset(i, r);
          if (bc.step[i] == 1) for (int64_t j = 0; j < C; ++j) g[j] = xi[j] == yr[j] ? 0.0f : g[j];
          else for (int64_t j = 0; j < C; ++j) g[j] = xi[0] == yr[j] ? 0.0f : g[j];
        }
        break;
      }
    }
  };
  // Adds (or writes) g into this input's row.
  auto deposit = [&](int64_t r, const float* g, bool add) {
    float* d = dx + bc.row_offset(which, r);
    if (wstep == 0) {
      float s = 0.0f;
      for (int64_t j = 0; j < C; ++j) s += g[j];
      d[0] = add ? d[0] + s : s;
    } else if (add) {
      for (int64_t j = 0; j < C; ++j) d[j] += g[j];
    } else {
      std::memcpy(d, g, static_cast<size_t>(C) * sizeof(float));
    }
  };

  if (!reduce) {
    for_rows(rows, C * n, p.threads, [&](int64_t r0, int64_t r1) {
      std::vector<float> g(static_cast<size_t>(C));
      for (int64_t r = r0; r < r1; ++r) {
        row_grad(r, g.data());
        deposit(r, g.data(), acc);
      }
    });
    return;
  }
  const int64_t batch = rows / bc.rows_per_sample, sample = bc.sample[which];
  for_rows(batch, bc.rows_per_sample * C * n, p.threads, [&](int64_t b0, int64_t b1) {
    std::vector<float> g(static_cast<size_t>(C));
    for (int64_t b = b0; b < b1; ++b) {
      if (!acc) std::fill(dx + b * sample, dx + (b + 1) * sample, 0.0f);
      for (int64_t r = b * bc.rows_per_sample; r < (b + 1) * bc.rows_per_sample; ++r) {
        row_grad(r, g.data());
        deposit(r, g.data(), true);
      }
    }
  });
}

// ---- L2 normalization along one axis (Dot with normalize=True) ----------------------------
// Each sample is [A, K, B] with the normalized axis K in the middle (A or B may be 1).
// Keras 3: y = x * min(rsqrt(sum x^2), 1 / epsilon). The inverse norms (A x B per sample)
// are kept for backward:
//   dx = inv * (dy - y * sum_k(dy * y))   where the norm was not clamped,
//   dx = inv * dy                         where it was (inv is then a constant).
// Loops run over B innermost (contiguous); when B == 1 they run over K.

// bufs [x, y, inv]; ints [A, K, B]; floats [epsilon]
void l2_normalize_fwd(plan::Plan& p, const plan::Instr& in) {
  const L2Normalize l2 = read_l2_normalize(in);
  const int64_t K = l2.k, B = l2.b;
  const float cap = l2.cap;
  const float* x = p.f32(in.bufs[0]);
  float* y = p.f32(in.bufs[1]);
  float* inv = p.f32(in.bufs[2]);
  const int64_t blocks = l2.rows(p, in.bufs[0]);
  for_rows(blocks, K * B, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * K * B;
      float* yr = y + r * K * B;
      float* ir = inv + r * B;
      std::fill(ir, ir + B, 0.0f);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t b = 0; b < B; ++b) ir[b] += xr[k * B + b] * xr[k * B + b];
      for (int64_t b = 0; b < B; ++b) ir[b] = clamp_inv(ir[b], cap);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t b = 0; b < B; ++b) yr[k * B + b] = xr[k * B + b] * ir[b];
    }
  });
}

// bufs [y, inv, dy, dx]; ints [A, K, B, accumulate]; floats [epsilon]
void l2_normalize_bwd(plan::Plan& p, const plan::Instr& in) {
  const L2Normalize l2 = read_l2_normalize(in);
  const int64_t K = l2.k, B = l2.b;
  const float cap = l2.cap;
  const bool acc = in.ints[3] != 0;
  const float* y = p.f32(in.bufs[0]);
  const float* inv = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  const int64_t blocks = l2.rows(p, in.bufs[3]);
  for_rows(blocks, K * B, p.threads, [&](int64_t r0, int64_t r1) {
    std::vector<float> dot(static_cast<size_t>(B));
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = y + r * K * B;
      const float* gr = dy + r * K * B;
      const float* ir = inv + r * B;
      float* dr = dx + r * K * B;
      std::fill(dot.begin(), dot.end(), 0.0f);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t b = 0; b < B; ++b) dot[b] += gr[k * B + b] * yr[k * B + b];
      for (int64_t b = 0; b < B; ++b) dot[b] = ir[b] >= cap ? 0.0f : dot[b];  // clamped: the scale is a constant
      for (int64_t k = 0; k < K; ++k)
        for (int64_t b = 0; b < B; ++b) {
          const float g = ir[b] * (gr[k * B + b] - yr[k * B + b] * dot[b]);
          dr[k * B + b] = acc ? dr[k * B + b] + g : g;
        }
    }
  });
}

STRATA_KERNEL("merge_fwd", merge_fwd);
STRATA_KERNEL("merge_bwd", merge_bwd);
STRATA_KERNEL("l2_normalize_fwd", l2_normalize_fwd);
STRATA_KERNEL("l2_normalize_bwd", l2_normalize_bwd);

}  // namespace
}  // namespace strata::kernels
