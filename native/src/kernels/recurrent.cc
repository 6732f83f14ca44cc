// Recurrent layers (SimpleRNN, LSTM, GRU) over whole sequences, forward and backward through
// time, one kernel call each; and the merge of Bidirectional's two directions.
//
// The shape of every forward kernel:
//   1. The input x [B, T, F] is copied time-major into Xt [T, B, F] (in processing order, so
//      goBackwards costs nothing more; input dropout is applied here, one mask per sample and
//      feature shared by all timesteps, as Keras 3 does).
//   2. One GEMM projects every timestep at once: Z = Xt · W + b   ([T·B, G·U], G gate blocks).
//   3. Per timestep s: one recurrent GEMM adds h_{s-1} · R into Z[s] (rows of Z[s] are
//      contiguous because Z is time-major), then fused element-wise passes apply the gates and
//      write h_s (and c_s). Kept for backward: Z the gates' pre-activations, A their activated
//      values (LSTM also act(c)), Hs [T+1, B, U] every state (Hs[0] is the initial state), Cs
//      the LSTM carries, so backward recomputes no activation.
//   4. The outputs are copied out batch-major: the sequence y [B, T, U] (optionally in
//      reversed time, for Bidirectional's backward direction) and the final states.
//
// Backward walks s = T-1 .. 0 with the gradient dh flowing in from step s+1 (and dc for
// LSTM): the gradients of the activated gates go to a scratch row block D, then through the
// activations into Z[s] in place (Z[s] becomes dZ[s]; it is not needed again), and one GEMM
// dZ[s] · R^T sends the gradient to h_{s-1}. Then the weight gradients are GEMMs over all
// timesteps at once (time-major storage makes h_{s-1} for every s the contiguous Hs[0:T]):
//   dW = Xt^T · dZ,  dR = Hs[0:T]^T · dZ,  db = column sums of dZ,
// and dXt = dZ · W^T (written over Xt, which is free by then) is copied back to dx [B, T, F].
//
// Element-wise work runs over contiguous spans of a row (one gate block at a time) so that
// the inner loops vectorize; sigmoid and tanh use a branch-free exp (Cephes' polynomial,
// about 1 ulp) instead of calls into libm.
//
// Rows are counted from the buffers (B = count(Xt) / (T·F)), never from p.batch, so the
// kernels also run inside TimeDistributed, where the wrapper's time axis is folded into B.
//
// Masks (Keras 3's, in backend.rnn): an optional [B, T] buffer, 1 where a step counts. At a
// step the mask drops, a row's states carry over unchanged (h_s = h_{s-1}, c_s = c_{s-1}), so
// forward computes the step as usual and then copies the previous state over the new one;
// backward gives that row's gates no gradient (its dZ row is zero, so no weight or input
// gradient either) and passes the state gradients to the previous step unchanged. A masked
// step's output is the previous output: zeros until the row's first kept step, its carried
// h afterwards (zeros at every masked step with zero_output_for_mask, Bidirectional's choice
// for full sequences). Without returnSequences the layer's output is then the last output,
// which can differ from the final state h, so it gets a buffer of its own ([B, U]).
//
// Keras' gate layouts (the weights' last axis holds the gate blocks side by side):
//   SimpleRNN  h = act(x·W + h·R + b)
//   LSTM       i, f, c~, o:  c = f⊙c' + i⊙act(c~),  h = o⊙act(c)   (i, f, o use rec_act)
//   GRU        z, r, h~:     h = z⊙h' + (1-z)⊙act(h~)
//              reset_after:  h~ = x·W_h + b_h + r⊙(h'·R_h + b'_h)     (bias [2, 3U]: input, recurrent)
//              otherwise:    h~ = x·W_h + b_h + (r⊙h')·R_h
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../plan/plan.h"
#include "activation.h"
#include "parallel.h"
#include "random.h"
#include "recurrent.h"

namespace strata::kernels {
namespace {

// ---- activations over spans -------------------------------------------------------------------

// e^x for x in [-87, 88] (see exp_arg), where the result is a normal float: Cephes' expf
// polynomial after reducing x by n·ln2, and 2^n built in the exponent bits. No branches and
// no calls, so loops over it vectorize.
inline float exp_core(float x) {
  // n = round(x / ln2) by the 1.5·2^23 trick: the sum's low mantissa bits are n.
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  int32_t n;
  std::memcpy(&n, &shifted, sizeof n);
  n -= 0x4B400000;
  const float nf = shifted - 12582912.0f;
  const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float q = 1.9875691500e-4f;
  q = q * r + 1.3981999507e-3f;
  q = q * r + 8.3334519073e-3f;
  q = q * r + 4.1665795894e-2f;
  q = q * r + 1.6666665459e-1f;
  q = q * r + 5.0000001201e-1f;
  q = q * r * r + r + 1.0f;
  const int32_t bits = (n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return q * scale;
}

// Clamps an argument of exp_core. It runs as a loop of its own: with the default
// -ftrapping-math GCC will not turn a compare into a select when float arithmetic follows it
// in the same loop, and the loop would stay scalar.
inline float exp_arg(float v) {
  const float lo = std::max(v, -87.0f);
  return std::min(lo, 88.0f);
}

// y = act(x) over n contiguous values (y may equal x).
void act_span(int64_t act, const float* x, float* y, int64_t n) {
  switch (act) {
    case kSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = exp_arg(-x[i]);
      for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + exp_core(y[i]));
      return;
    case kTanh:
      // 1 - 2 / (1 + e^{2x}): exact limits ±1, absolute error ~1e-7 near 0.
      for (int64_t i = 0; i < n; ++i) y[i] = exp_arg(2.0f * x[i]);
      for (int64_t i = 0; i < n; ++i) y[i] = 1.0f - 2.0f / (1.0f + exp_core(y[i]));
      return;
    case kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = std::max(x[i], 0.0f);
      return;
    case kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = std::min(1.0f, std::max(0.0f, x[i] * (1.0f / 6.0f) + 0.5f));
      return;
    case kLinear:
      if (y != x) std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
      return;
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = act_forward(act, x[i]);
  }
}

// dx = act'(x) · dy over n values, from the input x (read only by activations that need it)
// and the output y. dx may equal x; dy is a separate buffer.
void act_grad_span(int64_t act, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  switch (act) {
    case kSigmoid:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
      return;
    case kTanh:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
      return;
    case kLinear:
      std::memcpy(dx, dy, static_cast<size_t>(n) * sizeof(float));
      return;
    default:
      for (int64_t i = 0; i < n; ++i) dx[i] = act_backward(act, x[i], y[i], dy[i]);
  }
}

// ---- sizes and buffers --------------------------------------------------------------------------

// The sizes and options one call works with.
// A sequence, with each row's first kept step and the input dropout's random stream.
struct Seq : SeqShape {
  uint64_t key = 0;                  // the input dropout's random stream
  std::vector<int64_t> first_live;   // per row: the first step the mask keeps (T when none)
  // Whether output s of row b is its state h_s (else zeros).
  bool emits(int64_t s, int64_t b) const {
    if (!mask) return true;
    return zero_output ? live(s, b) : s >= first_live[static_cast<size_t>(b)];
  }
  // Dropout scale of feature f of sample b (the same at every timestep).
  float keep(int64_t b, int64_t f) const {
    return dropout_mask(key, static_cast<uint64_t>(b * F + f), rate, 1.0f / (1.0f - rate));
  }
};

// ints [T, F, U, act, rec_act, flags, ...]; dropout attributes at `drop` (seed, salt, step slot), floats [rate].
Seq seq_of(plan::Plan& p, const plan::Instr& in, int32_t xt_buf, int32_t mask_buf, int64_t gates, size_t drop) {
  Seq q;
  read_seq(p, in, xt_buf, mask_buf, gates, q);
  if (q.mask) {
    q.first_live.assign(static_cast<size_t>(q.B), q.T);
    for (int64_t b = 0; b < q.B; ++b)
      for (int64_t s = 0; s < q.T && q.first_live[static_cast<size_t>(b)] == q.T; ++s)
        if (q.live(s, b)) q.first_live[static_cast<size_t>(b)] = s;
  }
  if (q.rate > 0.0f) {
    q.key = stream_key(static_cast<uint64_t>(in.ints[drop]), static_cast<uint64_t>(in.ints[drop + 1]),
                       static_cast<uint64_t>(p.scalars.at(in.ints[drop + 2])));
  }
  return q;
}

// ---- shared steps -----------------------------------------------------------------------------

// C (= or +=) op(A) · op(B) with explicit row strides.
void gemm(const plan::Plan& p, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  cpu::GemmArgs g;
  g.trans_a = ta, g.trans_b = tb;
  g.m = m, g.n = n, g.k = k;
  g.a = a, g.lda = lda;
  g.b = b, g.ldb = ldb;
  g.beta = beta, g.c = c, g.ldc = ldc;
  cpu::sgemm(p.isa, p.threads, g);
}

// Splits the B rows of one timestep's element-wise work over the pool (inline when small);
// fn(b) handles row b.
template <typename F>
void per_row(const plan::Plan& p, const Seq& q, F&& fn) {
  for_rows(q.B, q.gu() * 4, p.threads, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) fn(b);
  });
}

// out (+)= column sums of a [rows, cols] (row stride lda).
void column_sums(const float* a, int64_t rows, int64_t cols, int64_t lda, float* out, bool accumulate) {
  if (!accumulate) std::fill(out, out + cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = a + r * lda;
    for (int64_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

void add_or_set(float* dst, const float* src, int64_t n, bool accumulate) {
  if (accumulate) for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
  else std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

// Xt[s, b, :] = x[b, in_time(s), :] (times the dropout mask); then Z = Xt · W + bias.
void project_inputs(plan::Plan& p, const Seq& q, const float* x, const float* w, const float* bias, float* xt, float* z) {
  const int64_t rows = q.T * q.B, gu = q.gu();
  for_rows(rows, q.F, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t s = r / q.B, b = r % q.B;
      const float* src = x + (b * q.T + q.in_time(s)) * q.F;
      float* dst = xt + r * q.F;
      if (q.rate > 0.0f) {
        for (int64_t f = 0; f < q.F; ++f) dst[f] = src[f] * q.keep(b, f);
      } else {
        std::memcpy(dst, src, static_cast<size_t>(q.F) * sizeof(float));
      }
    }
  });
  gemm(p, false, false, rows, gu, q.F, xt, q.F, w, gu, 0.0f, z, gu);
  if (bias) {
    for_rows(rows, gu, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float* row = z + r * gu;
        for (int64_t j = 0; j < gu; ++j) row[j] += bias[j];
      }
    });
  }
}

// The initial state (zeros when none is given) into slot 0 of a state sequence.
void initial_state(const Seq& q, const float* given, float* slot0) {
  const int64_t n = q.B * q.U;
  if (given) std::memcpy(slot0, given, static_cast<size_t>(n) * sizeof(float));
  else std::fill(slot0, slot0 + n, 0.0f);
}

// Output s of row b: Hs[s+1, b, :], or zeros where the mask says so (see emits).
void write_output(const Seq& q, const float* hs, int64_t s, int64_t b, float* dst) {
  if (q.emits(s, b)) std::memcpy(dst, hs + (s + 1) * q.B * q.U + b * q.U, static_cast<size_t>(q.U) * sizeof(float));
  else std::fill(dst, dst + q.U, 0.0f);
}

// y[b, out_time(s), :] = output s (with kLastOutput y[b, :] = output T-1); hT = Hs[T]; cT = Cs[T].
void write_outputs(plan::Plan& p, const Seq& q, const float* hs, const float* cs, float* y, float* h_last, float* c_last) {
  const int64_t bu = q.B * q.U;
  if (y && q.last_only) {
    for (int64_t b = 0; b < q.B; ++b) write_output(q, hs, q.T - 1, b, y + b * q.U);
  } else if (y) {
    for_rows(q.T * q.B, q.U, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t s = r / q.B, b = r % q.B;
        write_output(q, hs, s, b, y + (b * q.T + q.out_time(s)) * q.U);
      }
    });
  }
  if (h_last) std::memcpy(h_last, hs + q.T * bu, static_cast<size_t>(bu) * sizeof(float));
  if (c_last && cs) std::memcpy(c_last, cs + q.T * bu, static_cast<size_t>(bu) * sizeof(float));
}

// dh for row b at step s: what came from step s+1 plus what the outputs sent to h_s.
void step_grad(const Seq& q, const float* dhn, const float* dys, int64_t s, int64_t b, float* dh) {
  const float* from_next = dhn + b * q.U;
  const float* from_out = nullptr;
  if (dys && q.emits(s, b)) {
    if (!q.last_only) from_out = dys + (b * q.T + q.out_time(s)) * q.U;
    else if (s == q.T - 1) from_out = dys + b * q.U;
  }
  if (from_out) {
    for (int64_t j = 0; j < q.U; ++j) dh[j] = from_next[j] + from_out[j];
  } else {
    std::memcpy(dh, from_next, static_cast<size_t>(q.U) * sizeof(float));
  }
}

// Forward, after step s of row b: a row the mask drops keeps its previous state (Hs or Cs).
void carry_if_masked(const Seq& q, int64_t s, int64_t b, const float* prev, float* next) {
  if (!q.live(s, b)) std::memcpy(next + b * q.U, prev + b * q.U, static_cast<size_t>(q.U) * sizeof(float));
}

// Backward through step s of row b, before its gates: a dropped step gives the gates no
// gradient (z_row, G·U values, becomes zero) and passes dh to the previous state; a kept step
// with a mask clears its row of dh_prev, which the recurrent GEMM then adds to (beta 1).
// Returns whether the step was kept.
bool enter_step_grad(const Seq& q, int64_t s, int64_t b, float* z_row, const float* dh, float* dh_prev) {
  if (!q.mask) return true;
  const bool kept = q.live(s, b);
  if (kept) std::fill(dh_prev, dh_prev + q.U, 0.0f);
  else {
    std::fill(z_row, z_row + q.gu(), 0.0f);
    std::memcpy(dh_prev, dh, static_cast<size_t>(q.U) * sizeof(float));
  }
  return kept;
}

// After the walk through time: dW, the input bias gradient, and dx (from dZ = the input side).
void input_side_grads(plan::Plan& p, const Seq& q, const float* w, float* xt, const float* dz, const Grads& g) {
  const int64_t rows = q.T * q.B, gu = q.gu();
  if (g.dw) gemm(p, true, false, q.F, gu, rows, xt, q.F, dz, gu, g.acc_dw() ? 1.0f : 0.0f, g.dw, gu);
  if (g.db) column_sums(dz, rows, gu, gu, g.db, g.acc_db());
  if (!g.dx) return;
  // dXt = dZ · W^T, over Xt (dW has read it), then back to batch-major (through the mask).
  gemm(p, false, true, rows, q.F, gu, dz, gu, w, gu, 0.0f, xt, q.F);
  const bool acc = g.acc_dx();
  for_rows(rows, q.F, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t s = r / q.B, b = r % q.B;
      const float* src = xt + r * q.F;
      float* dst = g.dx + (b * q.T + q.in_time(s)) * q.F;
      if (q.rate > 0.0f) {
        for (int64_t f = 0; f < q.F; ++f) {
          const float v = src[f] * q.keep(b, f);
          dst[f] = acc ? dst[f] + v : v;
        }
      } else if (acc) {
        for (int64_t f = 0; f < q.F; ++f) dst[f] += src[f];
      } else {
        std::memcpy(dst, src, static_cast<size_t>(q.F) * sizeof(float));
      }
    }
  });
}

// ---- SimpleRNN ------------------------------------------------------------------------------

// bufs as FwdBufs (c0, A, Cs, aux, cT: -1); ints [T, F, U, act, 0, flags, seed, salt, step slot]; floats [dropout]
void simple_rnn_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 1, 6);
  const int64_t bu = q.B * q.U, u = q.U;
  project_inputs(p, q, f.x, f.w, f.bias, f.xt, f.z);
  initial_state(q, f.h0, f.hs);
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * bu;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    if (s > 0 || f.h0) gemm(p, false, false, q.B, u, u, hp, u, f.r, u, 1.0f, zs, u);
    per_row(p, q, [&](int64_t b) {
      act_span(q.act, zs + b * u, hn + b * u, u);
      carry_if_masked(q, s, b, hp, hn);
    });
  }
  write_outputs(p, q, f.hs, nullptr, f.y, f.ht, nullptr);
}

// bufs as BwdBufs (A, Cs, aux, dcT, dc0: -1); work [B, 2U];
// ints [T, F, U, act, 0, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void simple_rnn_bwd(plan::Plan& p, const plan::Instr& in) {
  BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 1, 7);
  const int64_t bu = q.B * q.U, u = q.U;
  float* dhn = k.work;       // gradient reaching h_s from step s+1
  float* dh = k.work + bu;   // ... plus from the output sequence
  initial_state(q, k.dht, dhn);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * bu;
    const float* hn = k.hs + (s + 1) * bu;
    per_row(p, q, [&](int64_t b) {
      step_grad(q, dhn, k.dys, s, b, dh + b * u);
      if (enter_step_grad(q, s, b, zs + b * u, dh + b * u, dhn + b * u))
        act_grad_span(q.act, zs + b * u, hn + b * u, dh + b * u, zs + b * u, u);
    });
    gemm(p, false, true, q.B, u, u, zs, u, k.r, u, q.mask ? 1.0f : 0.0f, dhn, u);
  }
  if (k.g.dh0) add_or_set(k.g.dh0, dhn, bu, k.g.acc_dh0());
  if (k.g.dr) gemm(p, true, false, u, u, q.T * q.B, k.hs, u, k.z, u, k.g.acc_dr() ? 1.0f : 0.0f, k.g.dr, u);
  input_side_grads(p, q, k.w, k.xt, k.z, k.g);
}

// ---- LSTM -----------------------------------------------------------------------------------

// A holds per row [i, f, c~, o, act(c)] (5U).
// bufs as FwdBufs (aux: -1); ints [T, F, U, act, rec_act, flags, seed, salt, step slot]; floats [dropout]
void lstm_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 4, 6);
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  project_inputs(p, q, f.x, f.w, f.bias, f.xt, f.z);
  initial_state(q, f.h0, f.hs);
  initial_state(q, f.c0, f.cs);
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * q.B * gu;
    float* as = f.a + s * q.B * 5 * u;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    if (s > 0 || f.h0) gemm(p, false, false, q.B, gu, u, hp, u, f.r, gu, 1.0f, zs, gu);
    per_row(p, q, [&](int64_t b) {
      const float* z = zs + b * gu;
      float* a = as + b * 5 * u;
      act_span(q.rec, z, a, 2 * u);
      act_span(q.act, z + 2 * u, a + 2 * u, u);
      act_span(q.rec, z + 3 * u, a + 3 * u, u);
      const float* ig = a;
      const float* fg = a + u;
      const float* cand = a + 2 * u;
      const float* cp = f.cs + s * bu + b * u;
      float* c = f.cs + (s + 1) * bu + b * u;
      for (int64_t j = 0; j < u; ++j) c[j] = fg[j] * cp[j] + ig[j] * cand[j];
      act_span(q.act, c, a + 4 * u, u);
      const float* og = a + 3 * u;
      const float* tc = a + 4 * u;
      float* h = hn + b * u;
      for (int64_t j = 0; j < u; ++j) h[j] = og[j] * tc[j];
      carry_if_masked(q, s, b, hp, hn);
      carry_if_masked(q, s, b, f.cs + s * bu, f.cs + (s + 1) * bu);
    });
  }
  write_outputs(p, q, f.hs, f.cs, f.y, f.ht, f.ct);
}

// bufs as BwdBufs (aux: -1); work [B, 7U]: dh_next, dc_next, dh, dA (4U);
// ints [T, F, U, act, rec_act, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void lstm_bwd(plan::Plan& p, const plan::Instr& in) {
  BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 4, 7);
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  float* dhn = k.work;           // gradient reaching h_s from step s+1
  float* dcn = k.work + bu;      // gradient reaching c_s from step s+1
  float* dhs = k.work + 2 * bu;  // dh of the step; then the gradient reaching c through act(c)
  float* das = k.work + 3 * bu;  // gradients of the activated gates [B, 4U]
  initial_state(q, k.dht, dhn);
  initial_state(q, k.dct, dcn);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * q.B * gu;
    const float* as = k.a + s * q.B * 5 * u;
    per_row(p, q, [&](int64_t b) {
      const float* a = as + b * 5 * u;
      const float *ig = a, *fg = a + u, *cand = a + 2 * u, *og = a + 3 * u, *tc = a + 4 * u;
      const float* c = k.cs + (s + 1) * bu + b * u;
      const float* cp = k.cs + s * bu + b * u;
      float* dh = dhs + b * u;
      float* da = das + b * gu;
      float* dc = dcn + b * u;
      step_grad(q, dhn, k.dys, s, b, dh);
      // A dropped step also leaves dc (the gradient reaching c_s) as it is.
      if (!enter_step_grad(q, s, b, zs + b * gu, dh, dhn + b * u)) return;
      // h = o ⊙ act(c): to o, and through act(c) to c (on top of what c's future sent).
      // (the f slot of dA holds dh ⊙ o until the loop below overwrites it)
      for (int64_t j = 0; j < u; ++j) {
        da[3 * u + j] = dh[j] * tc[j];
        da[u + j] = dh[j] * og[j];
      }
      act_grad_span(q.act, c, tc, da + u, dh, u);
      for (int64_t j = 0; j < u; ++j) {
        const float g = dc[j] + dh[j];
        da[j] = g * cand[j];
        da[u + j] = g * cp[j];
        da[2 * u + j] = g * ig[j];
        dc[j] = g * fg[j];
      }
      float* z = zs + b * gu;
      act_grad_span(q.rec, z, a, da, z, 2 * u);
      act_grad_span(q.act, z + 2 * u, cand, da + 2 * u, z + 2 * u, u);
      act_grad_span(q.rec, z + 3 * u, og, da + 3 * u, z + 3 * u, u);
    });
    gemm(p, false, true, q.B, u, gu, zs, gu, k.r, gu, q.mask ? 1.0f : 0.0f, dhn, u);
  }
  if (k.g.dh0) add_or_set(k.g.dh0, dhn, bu, k.g.acc_dh0());
  if (k.g.dc0) add_or_set(k.g.dc0, dcn, bu, k.g.acc_dc0());
  if (k.g.dr) gemm(p, true, false, u, gu, q.T * q.B, k.hs, u, k.z, gu, k.g.acc_dr() ? 1.0f : 0.0f, k.g.dr, gu);
  input_side_grads(p, q, k.w, k.xt, k.z, k.g);
}

// ---- GRU ------------------------------------------------------------------------------------

// A holds per row [z, r, act(h~)] (3U); aux [T, B, U]: reset_after keeps h'·R_h + b'_h, else r ⊙ h'.
// bufs as FwdBufs (c0, Cs, cT: -1); work [B, 3U] (reset_after: h'·R);
// ints [T, F, U, act, rec_act, flags, seed, salt, step slot]; floats [dropout]
void gru_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 3, 6);
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  // With reset_after the bias is [2, 3U]: the input half goes into Z, the recurrent half below.
  project_inputs(p, q, f.x, f.w, f.bias, f.xt, f.z);
  const float* brec = q.reset_after && f.bias ? f.bias + gu : nullptr;
  initial_state(q, f.h0, f.hs);
  float* m = f.work;
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * q.B * gu;
    float* as = f.a + s * q.B * gu;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    float* aux = f.aux + s * bu;
    const bool has_prev = s > 0 || f.h0;
    if (q.reset_after) {
      if (has_prev) gemm(p, false, false, q.B, gu, u, hp, u, f.r, gu, 0.0f, m, gu);
      else std::fill(m, m + q.B * gu, 0.0f);
    } else if (has_prev) {
      gemm(p, false, false, q.B, 2 * u, u, hp, u, f.r, gu, 1.0f, zs, gu);  // z, r: + h' · R[:, :2U]
    }
    per_row(p, q, [&](int64_t b) {
      float* z = zs + b * gu;
      float* a = as + b * gu;
      float* mh = aux + b * u;
      if (q.reset_after) {
        const float* mr = m + b * gu;
        if (brec) {
          for (int64_t j = 0; j < 2 * u; ++j) z[j] += mr[j] + brec[j];
          for (int64_t j = 0; j < u; ++j) mh[j] = mr[2 * u + j] + brec[2 * u + j];
        } else {
          for (int64_t j = 0; j < 2 * u; ++j) z[j] += mr[j];
          std::memcpy(mh, mr + 2 * u, static_cast<size_t>(u) * sizeof(float));
        }
        act_span(q.rec, z, a, 2 * u);
        for (int64_t j = 0; j < u; ++j) z[2 * u + j] += a[u + j] * mh[j];
      } else {
        act_span(q.rec, z, a, 2 * u);
        const float* h = hp + b * u;
        for (int64_t j = 0; j < u; ++j) mh[j] = a[u + j] * h[j];  // r ⊙ h'
      }
    });
    if (!q.reset_after) {
      if (has_prev) gemm(p, false, false, q.B, u, u, aux, u, f.r + 2 * u, gu, 1.0f, zs + 2 * u, gu);  // + (r ⊙ h') · R_h
    }
    per_row(p, q, [&](int64_t b) {
      const float* z = zs + b * gu;
      float* a = as + b * gu;
      act_span(q.act, z + 2 * u, a + 2 * u, u);
      const float *zg = a, *hh = a + 2 * u, *h = hp + b * u;
      float* out = hn + b * u;
      for (int64_t j = 0; j < u; ++j) out[j] = zg[j] * h[j] + (1.0f - zg[j]) * hh[j];
      carry_if_masked(q, s, b, hp, hn);
    });
  }
  write_outputs(p, q, f.hs, nullptr, f.y, f.ht, nullptr);
}

// bufs as BwdBufs (Cs, dcT, dc0: -1); work [B, 5U]: dh_next, dh, dA (3U);
// ints [T, F, U, act, rec_act, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void gru_bwd(plan::Plan& p, const plan::Instr& in) {
  BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 3, 7);
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  const int64_t rows = q.T * q.B;
  float* dhn = k.work;           // gradient reaching h_s from step s+1
  float* dhs = k.work + bu;      // dh of the step; then d(r ⊙ h') when !reset_after
  float* das = k.work + 2 * bu;  // gradients of the activated gates [B, 3U]
  initial_state(q, k.dht, dhn);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * q.B * gu;
    const float* as = k.a + s * q.B * gu;
    const float* hp = k.hs + s * bu;
    float* aux = k.aux + s * bu;
    // h = z ⊙ h' + (1 - z) ⊙ act(h~): to z, to h~ (then into Z_h), and directly to h'.
    per_row(p, q, [&](int64_t b) {
      const float* a = as + b * gu;
      const float *zg = a, *rg = a + u, *hh = a + 2 * u, *h = hp + b * u;
      float* z = zs + b * gu;
      float* da = das + b * gu;
      float* dh = dhs + b * u;
      float* next = dhn + b * u;
      step_grad(q, dhn, k.dys, s, b, dh);
      if (!enter_step_grad(q, s, b, z, dh, next)) {
        // The GEMMs below add nothing for this row (its dZ is zero) once M_h's is zero too.
        if (q.reset_after) std::fill(aux + b * u, aux + (b + 1) * u, 0.0f);
        return;
      }
      for (int64_t j = 0; j < u; ++j) {
        da[j] = dh[j] * (h[j] - hh[j]);
        da[2 * u + j] = dh[j] * (1.0f - zg[j]);
        next[j] = dh[j] * zg[j];
      }
      act_grad_span(q.act, z + 2 * u, hh, da + 2 * u, z + 2 * u, u);  // dZ_h
      act_grad_span(q.rec, z, zg, da, z, u);                          // dZ_z
      if (q.reset_after) {
        // h~ = ... + r ⊙ M_h: to r, and to M_h = h'·R_h + b'_h (kept in aux, now its gradient).
        float* mh = aux + b * u;
        for (int64_t j = 0; j < u; ++j) {
          da[u + j] = z[2 * u + j] * mh[j];
          mh[j] = z[2 * u + j] * rg[j];
        }
        act_grad_span(q.rec, z + u, rg, da + u, z + u, u);  // dZ_r
      }
    });
    if (q.reset_after) {
      gemm(p, false, true, q.B, u, 2 * u, zs, gu, k.r, gu, 1.0f, dhn, u);
      gemm(p, false, true, q.B, u, u, aux, u, k.r + 2 * u, gu, 1.0f, dhn, u);
    } else {
      // d(r ⊙ h') = dZ_h · R_h^T; then to r, and through r ⊙ h' to h'.
      gemm(p, false, true, q.B, u, u, zs + 2 * u, gu, k.r + 2 * u, gu, 0.0f, dhs, u);
      per_row(p, q, [&](int64_t b) {
        const float* a = as + b * gu;
        const float *rg = a + u, *h = hp + b * u, *drh = dhs + b * u;
        float* z = zs + b * gu;
        float* da = das + b * gu;
        float* next = dhn + b * u;
        for (int64_t j = 0; j < u; ++j) {
          da[u + j] = drh[j] * h[j];
          next[j] += drh[j] * rg[j];
        }
        act_grad_span(q.rec, z + u, rg, da + u, z + u, u);  // dZ_r
      });
      gemm(p, false, true, q.B, u, 2 * u, zs, gu, k.r, gu, 1.0f, dhn, u);
    }
  }
  if (k.g.dh0) add_or_set(k.g.dh0, dhn, bu, k.g.acc_dh0());
  if (k.g.dr) {
    const float beta = k.g.acc_dr() ? 1.0f : 0.0f;
    // z and r columns: h'^T · dZ[:, :2U]; the candidate's: from aux (dM_h, or r ⊙ h').
    gemm(p, true, false, u, 2 * u, rows, k.hs, u, k.z, gu, beta, k.g.dr, gu);
    if (q.reset_after) gemm(p, true, false, u, u, rows, k.hs, u, k.aux, u, beta, k.g.dr + 2 * u, gu);
    else gemm(p, true, false, u, u, rows, k.aux, u, k.z + 2 * u, gu, beta, k.g.dr + 2 * u, gu);
  }
  if (k.g.db && q.reset_after) {
    // The recurrent half of the [2, 3U] bias: dM = [dZ_z, dZ_r, aux].
    float* dbr = k.g.db + gu;
    column_sums(k.z, rows, 2 * u, gu, dbr, k.g.acc_db());
    column_sums(k.aux, rows, u, u, dbr + 2 * u, k.g.acc_db());
  }
  input_side_grads(p, q, k.w, k.xt, k.z, k.g);
}

// ---- Bidirectional's merge ------------------------------------------------------------------

enum Merge : int64_t { kConcat = 0, kSum = 1, kMul = 2, kAve = 3 };

// bufs [a, b, y]; ints [mode, width of a, width of b]. Rows are a's count / its width.
// concat: y = [a, b] on the last axis; sum, mul, ave: element-wise (equal widths).
void bidirectional_merge_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t mode = in.ints[0], ua = in.ints[1], ub = in.ints[2];
  const float* a = p.f32(in.bufs[0]);
  const float* b = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  const int64_t rows = p.count(in.bufs[0]) / ua;
  if (mode == kConcat) {
    for_rows(rows, ua + ub, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        std::memcpy(y + r * (ua + ub), a + r * ua, static_cast<size_t>(ua) * sizeof(float));
        std::memcpy(y + r * (ua + ub) + ua, b + r * ub, static_cast<size_t>(ub) * sizeof(float));
      }
    });
    return;
  }
  for_range(rows * ua, kElementGrain, p.threads, [&](int64_t i0, int64_t i1) {
    if (mode == kSum) for (int64_t i = i0; i < i1; ++i) y[i] = a[i] + b[i];
    else if (mode == kMul) for (int64_t i = i0; i < i1; ++i) y[i] = a[i] * b[i];
    else for (int64_t i = i0; i < i1; ++i) y[i] = 0.5f * (a[i] + b[i]);
  });
}

// bufs [a, b, dy, da or -1, db or -1]; ints [mode, width of a, width of b, accumulate da, accumulate db]
void bidirectional_merge_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t mode = in.ints[0], ua = in.ints[1], ub = in.ints[2];
  const bool acc_a = in.ints[3] != 0, acc_b = in.ints[4] != 0;
  const float* a = p.f32(in.bufs[0]);
  const float* b = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* da = opt_f32(p, in.bufs[3]);
  float* db = opt_f32(p, in.bufs[4]);
  const int64_t rows = p.count(in.bufs[0]) / ua;
  auto put = [](float* dst, int64_t i, float v, bool acc) { dst[i] = acc ? dst[i] + v : v; };
  if (mode == kConcat) {
    for_rows(rows, ua + ub, p.threads, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* g = dy + r * (ua + ub);
        if (da) for (int64_t j = 0; j < ua; ++j) put(da, r * ua + j, g[j], acc_a);
        if (db) for (int64_t j = 0; j < ub; ++j) put(db, r * ub + j, g[ua + j], acc_b);
      }
    });
    return;
  }
  const float scale = mode == kAve ? 0.5f : 1.0f;
  for_range(rows * ua, kElementGrain, p.threads, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float g = dy[i] * scale;
      if (da) put(da, i, mode == kMul ? g * b[i] : g, acc_a);
      if (db) put(db, i, mode == kMul ? g * a[i] : g, acc_b);
    }
  });
}

STRATA_KERNEL("simple_rnn_fwd", simple_rnn_fwd);
STRATA_KERNEL("simple_rnn_bwd", simple_rnn_bwd);
STRATA_KERNEL("lstm_fwd", lstm_fwd);
STRATA_KERNEL("lstm_bwd", lstm_bwd);
STRATA_KERNEL("gru_fwd", gru_fwd);
STRATA_KERNEL("gru_bwd", gru_bwd);
STRATA_KERNEL("bidirectional_merge_fwd", bidirectional_merge_fwd);
STRATA_KERNEL("bidirectional_merge_bwd", bidirectional_merge_bwd);

}  // namespace
}  // namespace strata::kernels
