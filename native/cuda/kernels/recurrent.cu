// Recurrent layers on the device (src/kernels/recurrent.cc, whose header describes the
// buffers, the gate layouts and the masks): SimpleRNN, LSTM and GRU over whole sequences,
// forward and backward through time, and the merge of Bidirectional's two directions.
//
// The CPU's plan, step for step: one launch gathers the input time-major (with input
// dropout) and sets the initial states; one GEMM projects every timestep at once, the bias
// in its epilogue; then per timestep one recurrent GEMM h_{s-1} · R into Z[s] and one fused
// gate kernel. The gate kernels run one thread per (row, unit): every gate of a unit is
// element-wise in that unit, so a thread reads its unit's column of each gate block and
// needs no other thread's values. Backward walks the steps in reverse, one fused
// gate-gradient kernel and one GEMM dZ[s] · R^T per step, then the weight gradients are
// GEMMs over all timesteps at once. The timestep loop runs on the host; a captured graph
// replays its launches without host cost.
//
// Where the device departs from the CPU's code (not its results):
//   - the gradients of the activated gates stay in registers, not in the work buffer;
//   - GRU with reset_after gathers [dZ_z, dZ_r, dM_h] in the work buffer so that dh' is one
//     GEMM over all three gate blocks, not two;
//   - the recurrent GEMM of backward's first step is skipped when nobody wants dh0 (its
//     result is only ever read as dh0);
//   - each row's first kept step (for masked outputs) is found on the device, since the
//     mask is device memory; it lives in scratch slot 0 for the length of one call;
//   - sigmoid and tanh use CUDA's expf/tanhf rather than the CPU's polynomial (both ~1 ulp).
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernel.cuh"  // first: activation.cuh names plan::Plan without including plan.h
#include "../activation.cuh"
#include "../gemm.cuh"
#include "kernels/random.h"
#include "../../src/kernels/recurrent.h"

namespace strata::cuda {
namespace {

using kernels::bwd_bufs;
using kernels::BwdBufs;
using kernels::fwd_bufs;
using kernels::FwdBufs;
using kernels::Grads;

// ---- the sequence (host-built, passed to every kernel by value) ----------------------------

// A sequence, with where each row's first kept step lives and the input dropout's stream.
struct Seq : kernels::SeqShape {
  float scale = 1.0f;  // 1 / (1 - rate)
  uint64_t seed = 0, salt = 0;
  const double* step = nullptr;  // the scalar that keys dropout's stream, on the device
  int64_t* first_live = nullptr; // per row: the first step the mask keeps (T when none); scratch

  // Whether output s of row b is its state h_s (else zeros).
  __device__ bool emits(int64_t s, int64_t b) const {
    if (!mask) return true;
    return zero_output ? live(s, b) : s >= first_live[b];
  }
  __device__ uint64_t key() const { return kernels::stream_key(seed, salt, static_cast<uint64_t>(*step)); }
  // Dropout scale of feature f of sample b (the same at every timestep).
  __device__ float keep(uint64_t k, int64_t b, int64_t f) const {
    return kernels::dropout_mask(k, static_cast<uint64_t>(b * F + f), rate, scale);
  }
};

// ints [T, F, U, act, rec_act, flags, ...]; dropout attributes at `drop` (seed, salt, step slot), floats [rate].
Seq seq_of(plan::Plan& p, const plan::Instr& in, int32_t xt_buf, int32_t mask_buf, int64_t gates, size_t drop) {
  Seq q;
  kernels::read_seq(p, in, xt_buf, mask_buf, gates, q);
  if (q.mask && q.B > 0) q.first_live = static_cast<int64_t*>(scratch(p, 0, static_cast<size_t>(q.B) * sizeof(int64_t)));
  if (q.rate > 0.0f) {
    q.seed = static_cast<uint64_t>(in.ints[drop]);
    q.salt = static_cast<uint64_t>(in.ints[drop + 1]);
    q.step = scalars(p) + in.ints[drop + 2];
    q.scale = 1.0f / (1.0f - q.rate);
  }
  return q;
}

// ---- shared steps -------------------------------------------------------------------------

// C (= or +=) op(A) · op(B) (+ bias[column]) with explicit row strides.
void mm(const plan::Plan& p, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
        int64_t ldb, float beta, float* c, int64_t ldc, const float* bias = nullptr) {
  if (m <= 0 || n <= 0) return;
  Gemm g = product(ta, tb, m, n, k, a, b, beta, c);
  g.lda = lda, g.ldb = ldb, g.ldc = ldc;
  g.bias = bias;
  gemm(p, g);
}

// Row b's first kept step, into q.first_live (a short scan over the row's mask).
__device__ void find_first_live(const Seq& q, int64_t b) {
  int64_t first = q.T;
  for (int64_t s = 0; s < q.T; ++s) {
    if (q.live(s, b)) {
      first = s;
      break;
    }
  }
  q.first_live[b] = first;
}

// One launch before the forward walk: Xt[s, b, :] = x[b, in_time(s), :] (times the dropout
// mask), Hs[0] = h0 and Cs[0] = c0 (zeros when not given), and each row's first kept step.
void prepare_forward(const plan::Plan& p, const Seq& q, const float* x, float* xt, const float* h0, float* hs, const float* c0,
                     float* cs) {
  const int64_t nx = q.T * q.B * q.F, bu = q.B * q.U, nc = cs ? bu : 0, nm = q.mask ? q.B : 0;
  launch_each(p, nx + bu + nc + nm, [=] __device__(int64_t i) {
    if (i < nx) {
      const int64_t r = i / q.F, f = i - r * q.F, s = r / q.B, b = r - s * q.B;
      const float v = x[(b * q.T + q.in_time(s)) * q.F + f];
      xt[i] = q.rate > 0.0f ? __fmul_rn(v, q.keep(q.key(), b, f)) : v;
      return;
    }
    i -= nx;
    if (i < bu) {
      hs[i] = h0 ? h0[i] : 0.0f;
      return;
    }
    i -= bu;
    if (i < nc) {
      cs[i] = c0 ? c0[i] : 0.0f;
      return;
    }
    find_first_live(q, i - nc);
  }, "recurrent forward inputs");
}

// Z = Xt · W + bias for every timestep at once (GRU's [2, 3U] bias: its first row, the input half).
void project_inputs(const plan::Plan& p, const Seq& q, const float* xt, const float* w, const float* bias, float* z) {
  mm(p, false, false, q.T * q.B, q.gu(), q.F, xt, q.F, w, q.gu(), 0.0f, z, q.gu(), bias);
}

// y[b, out_time(s), :] = output s (with kLastOutput y[b, :] = output T-1), zeros where the
// mask says so (see Seq::emits); hT = Hs[T]; cT = Cs[T]. One launch, in the outputs' order.
void write_outputs(const plan::Plan& p, const Seq& q, const float* hs, const float* cs, float* y, float* h_last, float* c_last) {
  const int64_t bu = q.B * q.U;
  const int64_t ny = y ? (q.last_only ? bu : q.T * bu) : 0, nh = h_last ? bu : 0, nc = c_last && cs ? bu : 0;
  launch_each(p, ny + nh + nc, [=] __device__(int64_t i) {
    if (i < ny) {
      const int64_t r = i / q.U, j = i - r * q.U;
      int64_t b = r, s = q.T - 1;
      if (!q.last_only) {
        b = r / q.T;
        const int64_t t = r - b * q.T;
        s = q.reverse_out ? q.T - 1 - t : t;
      }
      y[i] = q.emits(s, b) ? hs[(s + 1) * bu + b * q.U + j] : 0.0f;
      return;
    }
    i -= ny;
    if (i < nh) {
      h_last[i] = hs[q.T * bu + i];
      return;
    }
    c_last[i - nh] = cs[q.T * bu + i - nh];
  }, "recurrent outputs");
}

// One launch before the backward walk: the gradients reaching the final states (zeros when
// none), and each row's first kept step.
void prepare_backward(const plan::Plan& p, const Seq& q, const float* dht, float* dhn, const float* dct, float* dcn) {
  const int64_t bu = q.B * q.U, nc = dcn ? bu : 0, nm = q.mask ? q.B : 0;
  launch_each(p, bu + nc + nm, [=] __device__(int64_t i) {
    if (i < bu) {
      dhn[i] = dht ? dht[i] : 0.0f;
      return;
    }
    i -= bu;
    if (i < nc) {
      dcn[i] = dct ? dct[i] : 0.0f;
      return;
    }
    find_first_live(q, i - nc);
  }, "recurrent backward inputs");
}

// dh of unit j of row b at step s: what came from step s+1 plus what the outputs sent to h_s.
__device__ float step_grad(const Seq& q, const float* dhn, const float* dys, int64_t s, int64_t b, int64_t j) {
  float dh = dhn[b * q.U + j];
  if (dys && q.emits(s, b)) {
    if (!q.last_only) dh += dys[(b * q.T + q.out_time(s)) * q.U + j];
    else if (s == q.T - 1) dh += dys[b * q.U + j];
  }
  return dh;
}

// Backward through step s of unit j of row b, before its gates: a dropped step gives the
// gates no gradient (the unit's G values of z_row become zero) and passes dh on to the
// previous state; a kept step with a mask clears dh_prev, which the recurrent GEMM then adds
// to (beta 1). Returns whether the step was kept.
__device__ bool enter_step_grad(const Seq& q, int64_t s, int64_t b, int64_t j, float* z_row, float dh, float* dh_prev) {
  if (!q.mask) return true;
  if (q.live(s, b)) {
    *dh_prev = 0.0f;
    return true;
  }
  for (int64_t g = 0; g < q.G; ++g) z_row[g * q.U + j] = 0.0f;
  *dh_prev = dh;
  return false;
}

// dh0 and dc0 from the gradients that reached the initial states (one launch).
void initial_state_grads(const plan::Plan& p, const Seq& q, const float* dhn, const float* dcn, const Grads& g) {
  const int64_t bu = q.B * q.U, nh = g.dh0 ? bu : 0, nc = g.dc0 && dcn ? bu : 0;
  float *dh0 = g.dh0, *dc0 = g.dc0;
  const bool acc_h = g.acc_dh0(), acc_c = g.acc_dc0();
  launch_each(p, nh + nc, [=] __device__(int64_t i) {
    if (i < nh) {
      dh0[i] = acc_h ? dh0[i] + dhn[i] : dhn[i];
      return;
    }
    i -= nh;
    dc0[i] = acc_c ? dc0[i] + dcn[i] : dcn[i];
  }, "recurrent initial state gradients");
}

// The input bias gradient: column sums of dZ. With GRU's reset_after the recurrent half's
// z and r columns (`rec_cols` = 2U) have the same sums (both biases enter Z's z, r columns),
// so the sums are taken once into scratch and written to both halves.
void input_bias_grad(plan::Plan& p, const Seq& q, const float* dz, float* db, bool acc, int64_t rec_cols) {
  const int64_t rows = q.T * q.B, gu = q.gu();
  if (rec_cols == 0) {
    column_sums(p, dz, rows, gu, db, acc);
    return;
  }
  float* sums = static_cast<float*>(scratch(p, 1, static_cast<size_t>(gu) * sizeof(float)));
  column_sums(p, dz, rows, gu, sums, false);
  launch_each(p, gu + rec_cols, [=] __device__(int64_t i) {
    const float v = sums[i < gu ? i : i - gu];
    db[i] = acc ? db[i] + v : v;
  }, "recurrent bias gradient");
}

// After the walk through time: dW, the input bias gradient, and dx (from dZ = the input side).
void input_side_grads(plan::Plan& p, const Seq& q, const float* w, float* xt, const float* dz, const Grads& g,
                      int64_t rec_bias_cols = 0) {
  const int64_t rows = q.T * q.B, gu = q.gu();
  if (g.dw) mm(p, true, false, q.F, gu, rows, xt, q.F, dz, gu, g.acc_dw() ? 1.0f : 0.0f, g.dw, gu);
  if (g.db) input_bias_grad(p, q, dz, g.db, g.acc_db(), rec_bias_cols);
  if (!g.dx) return;
  // dXt = dZ · W^T, over Xt (dW has read it), then back to batch-major (through the dropout mask).
  mm(p, false, true, rows, q.F, gu, dz, gu, w, gu, 0.0f, xt, q.F);
  float* dx = g.dx;
  const bool acc = g.acc_dx();
  launch_each(p, rows * q.F, [=] __device__(int64_t i) {
    const int64_t r = i / q.F, f = i - r * q.F, s = r / q.B, b = r - s * q.B;
    float v = xt[i];
    if (q.rate > 0.0f) v = __fmul_rn(v, q.keep(q.key(), b, f));
    float* dst = dx + (b * q.T + q.in_time(s)) * q.F + f;
    *dst = acc ? *dst + v : v;
  }, "recurrent input gradient");
}

// ---- SimpleRNN ------------------------------------------------------------------------------

// bufs as FwdBufs (c0, A, Cs, aux, cT: -1); ints [T, F, U, act, 0, flags, seed, salt, step slot]; floats [dropout]
void simple_rnn_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 1, 6);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U;
  prepare_forward(p, q, f.x, f.xt, f.h0, f.hs, nullptr, nullptr);
  project_inputs(p, q, f.xt, f.w, f.bias, f.z);
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * bu;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    if (s > 0 || f.h0) mm(p, false, false, q.B, u, u, hp, u, f.r, u, 1.0f, zs, u);
    // h = act(z); a row the mask drops keeps its previous state.
    launch_each(p, bu, [=] __device__(int64_t i) {
      hn[i] = q.live(s, i / q.U) ? act_forward(q.act, zs[i]) : hp[i];
    }, "simple_rnn_fwd step");
  }
  write_outputs(p, q, f.hs, nullptr, f.y, f.ht, nullptr);
}

// bufs as BwdBufs (A, Cs, aux, dcT, dc0: -1); work [B, 2U] (dh_next);
// ints [T, F, U, act, 0, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void simple_rnn_bwd(plan::Plan& p, const plan::Instr& in) {
  const BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 1, 7);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U;
  float* dhn = k.work;  // gradient reaching h_s from step s+1
  const float* dys = k.dys;
  prepare_backward(p, q, k.dht, dhn, nullptr, nullptr);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * bu;
    const float* hn = k.hs + (s + 1) * bu;
    launch_each(p, bu, [=] __device__(int64_t i) {
      const int64_t b = i / q.U, j = i - b * q.U;
      const float dh = step_grad(q, dhn, dys, s, b, j);
      if (enter_step_grad(q, s, b, j, zs + b * q.U, dh, dhn + i)) zs[i] = act_backward(q.act, zs[i], hn[i], dh);
    }, "simple_rnn_bwd step");
    if (s > 0 || k.g.dh0) mm(p, false, true, q.B, u, u, zs, u, k.r, u, q.mask ? 1.0f : 0.0f, dhn, u);
  }
  initial_state_grads(p, q, dhn, nullptr, k.g);
  if (k.g.dr) mm(p, true, false, u, u, q.T * q.B, k.hs, u, k.z, u, k.g.acc_dr() ? 1.0f : 0.0f, k.g.dr, u);
  input_side_grads(p, q, k.w, k.xt, k.z, k.g);
}

// ---- LSTM -----------------------------------------------------------------------------------

// A holds per row [i, f, c~, o, act(c)] (5U).
// bufs as FwdBufs (aux: -1); ints [T, F, U, act, rec_act, flags, seed, salt, step slot]; floats [dropout]
void lstm_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 4, 6);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  prepare_forward(p, q, f.x, f.xt, f.h0, f.hs, f.c0, f.cs);
  project_inputs(p, q, f.xt, f.w, f.bias, f.z);
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * q.B * gu;
    float* as = f.a + s * q.B * 5 * u;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    const float* cp = f.cs + s * bu;
    float* cn = f.cs + (s + 1) * bu;
    if (s > 0 || f.h0) mm(p, false, false, q.B, gu, u, hp, u, f.r, gu, 1.0f, zs, gu);
    // c = f ⊙ c' + i ⊙ act(c~), h = o ⊙ act(c); a dropped row keeps h' and c'.
    launch_each(p, bu, [=] __device__(int64_t i) {
      const int64_t b = i / u, j = i - b * u;
      const float* z = zs + b * gu;
      float* a = as + b * 5 * u;
      const float ig = act_forward(q.rec, z[j]);
      const float fg = act_forward(q.rec, z[u + j]);
      const float cand = act_forward(q.act, z[2 * u + j]);
      const float og = act_forward(q.rec, z[3 * u + j]);
      const float c = fg * cp[i] + ig * cand;
      const float tc = act_forward(q.act, c);
      a[j] = ig;
      a[u + j] = fg;
      a[2 * u + j] = cand;
      a[3 * u + j] = og;
      a[4 * u + j] = tc;
      const bool kept = q.live(s, b);
      cn[i] = kept ? c : cp[i];
      hn[i] = kept ? og * tc : hp[i];
    }, "lstm_fwd step");
  }
  write_outputs(p, q, f.hs, f.cs, f.y, f.ht, f.ct);
}

// bufs as BwdBufs (aux: -1); work [B, 7U] (dh_next, dc_next);
// ints [T, F, U, act, rec_act, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void lstm_bwd(plan::Plan& p, const plan::Instr& in) {
  const BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 4, 7);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  float* dhn = k.work;       // gradient reaching h_s from step s+1
  float* dcn = k.work + bu;  // gradient reaching c_s from step s+1
  const float* dys = k.dys;
  prepare_backward(p, q, k.dht, dhn, k.dct, dcn);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * q.B * gu;
    const float* as = k.a + s * q.B * 5 * u;
    const float* cs = k.cs + (s + 1) * bu;
    const float* cp = k.cs + s * bu;
    launch_each(p, bu, [=] __device__(int64_t i) {
      const int64_t b = i / u, j = i - b * u;
      const float* a = as + b * 5 * u;
      float* z = zs + b * gu;
      const float dh = step_grad(q, dhn, dys, s, b, j);
      // A dropped step also leaves dc (the gradient reaching c_s) as it is.
      if (!enter_step_grad(q, s, b, j, z, dh, dhn + i)) return;
      const float ig = a[j], fg = a[u + j], cand = a[2 * u + j], og = a[3 * u + j], tc = a[4 * u + j];
      // h = o ⊙ act(c): to o, and through act(c) to c (on top of what c's future sent).
      const float d_o = dh * tc;
      const float g = dcn[i] + act_backward(q.act, cs[i], tc, dh * og);
      dcn[i] = g * fg;
      z[j] = act_backward(q.rec, z[j], ig, g * cand);
      z[u + j] = act_backward(q.rec, z[u + j], fg, g * cp[i]);
      z[2 * u + j] = act_backward(q.act, z[2 * u + j], cand, g * ig);
      z[3 * u + j] = act_backward(q.rec, z[3 * u + j], og, d_o);
    }, "lstm_bwd step");
    if (s > 0 || k.g.dh0) mm(p, false, true, q.B, u, gu, zs, gu, k.r, gu, q.mask ? 1.0f : 0.0f, dhn, u);
  }
  initial_state_grads(p, q, dhn, dcn, k.g);
  if (k.g.dr) mm(p, true, false, u, gu, q.T * q.B, k.hs, u, k.z, gu, k.g.acc_dr() ? 1.0f : 0.0f, k.g.dr, gu);
  input_side_grads(p, q, k.w, k.xt, k.z, k.g);
}

// ---- GRU ------------------------------------------------------------------------------------

// GRU's gates at step s without reset_after, in two parts around the candidate's recurrent
// GEMM (it needs r): part 1 the z and r gates and aux = r ⊙ h'; part 2 the candidate and the
// new state (a dropped row keeps h').
void gru_gates(const plan::Plan& p, const Seq& q, int64_t s, const float* zs, float* as, const float* hp, float* aux,
               float* hn, bool part1, bool part2) {
  const int64_t u = q.U, gu = q.gu();
  launch_each(p, q.B * u, [=] __device__(int64_t i) {
    const int64_t b = i / u, j = i - b * u;
    const float* z = zs + b * gu;
    float* a = as + b * gu;
    const float h = hp[i];
    if (part1) {
      a[j] = act_forward(q.rec, z[j]);
      a[u + j] = act_forward(q.rec, z[u + j]);
      aux[i] = a[u + j] * h;
    }
    if (part2) {
      const float zg = a[j];
      const float hh = act_forward(q.act, z[2 * u + j]);
      a[2 * u + j] = hh;
      hn[i] = q.live(s, b) ? zg * h + (1.0f - zg) * hh : h;
    }
  }, "gru_fwd step");
}

// A holds per row [z, r, act(h~)] (3U); aux [T, B, U]: reset_after keeps h'·R_h + b'_h, else r ⊙ h'.
// bufs as FwdBufs (c0, Cs, cT: -1); work [B, 3U] (reset_after: h'·R);
// ints [T, F, U, act, rec_act, flags, seed, salt, step slot]; floats [dropout]
void gru_fwd(plan::Plan& p, const plan::Instr& in) {
  const FwdBufs f = fwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[6], in.bufs[16], 3, 6);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  prepare_forward(p, q, f.x, f.xt, f.h0, f.hs, nullptr, nullptr);
  // With reset_after the bias is [2, 3U]: the input half goes into Z, the recurrent half below.
  project_inputs(p, q, f.xt, f.w, f.bias, f.z);
  const float* brec = q.reset_after && f.bias ? f.bias + gu : nullptr;
  const float* m = f.work;
  for (int64_t s = 0; s < q.T; ++s) {
    float* zs = f.z + s * q.B * gu;
    float* as = f.a + s * q.B * gu;
    const float* hp = f.hs + s * bu;
    float* hn = f.hs + (s + 1) * bu;
    float* aux = f.aux + s * bu;
    const bool has_prev = s > 0 || f.h0;
    if (q.reset_after) {
      // M = h' · R (all three blocks; none at the first step without h0, where h' is zero).
      if (has_prev) mm(p, false, false, q.B, gu, u, hp, u, f.r, gu, 0.0f, f.work, gu);
      const float* mp = has_prev ? m : nullptr;
      launch_each(p, bu, [=] __device__(int64_t i) {
        const int64_t b = i / u, j = i - b * u;
        float* z = zs + b * gu;
        float* a = as + b * gu;
        const float* mr = mp ? mp + b * gu : nullptr;
        const float m_z = mr ? mr[j] : 0.0f, m_r = mr ? mr[u + j] : 0.0f, m_h = mr ? mr[2 * u + j] : 0.0f;
        float mh = m_h;
        if (brec) {
          z[j] += m_z + brec[j];
          z[u + j] += m_r + brec[u + j];
          mh = m_h + brec[2 * u + j];
        } else {
          z[j] += m_z;
          z[u + j] += m_r;
        }
        aux[i] = mh;
        const float zg = act_forward(q.rec, z[j]);
        const float rg = act_forward(q.rec, z[u + j]);
        z[2 * u + j] += rg * mh;
        const float hh = act_forward(q.act, z[2 * u + j]);
        a[j] = zg;
        a[u + j] = rg;
        a[2 * u + j] = hh;
        const float h = hp[i];
        hn[i] = q.live(s, b) ? zg * h + (1.0f - zg) * hh : h;
      }, "gru_fwd step");
      continue;
    }
    // Without h' (the first step, no h0) both GEMMs are skipped and one launch does both parts.
    if (!has_prev) {
      gru_gates(p, q, s, zs, as, hp, aux, hn, true, true);
      continue;
    }
    mm(p, false, false, q.B, 2 * u, u, hp, u, f.r, gu, 1.0f, zs, gu);  // z, r: + h' · R[:, :2U]
    gru_gates(p, q, s, zs, as, hp, aux, hn, true, false);
    mm(p, false, false, q.B, u, u, aux, u, f.r + 2 * u, gu, 1.0f, zs + 2 * u, gu);  // + (r ⊙ h') · R_h
    gru_gates(p, q, s, zs, as, hp, aux, hn, false, true);
  }
  write_outputs(p, q, f.hs, nullptr, f.y, f.ht, nullptr);
}

// bufs as BwdBufs (Cs, dcT, dc0: -1); work [B, 5U]: dh_next, d(r ⊙ h') (without reset_after),
// dM = [dZ_z, dZ_r, dM_h] (3U, with reset_after);
// ints [T, F, U, act, rec_act, flags, accumulate bits, seed, salt, step slot]; floats [dropout]
void gru_bwd(plan::Plan& p, const plan::Instr& in) {
  const BwdBufs k = bwd_bufs(p, in);
  const Seq q = seq_of(p, in, in.bufs[2], in.bufs[18], 3, 7);
  if (q.B <= 0) return;
  const int64_t bu = q.B * q.U, u = q.U, gu = q.gu();
  const int64_t rows = q.T * q.B;
  float* dhn = k.work;           // gradient reaching h_s from step s+1
  float* drh = k.work + bu;      // d(r ⊙ h') without reset_after
  float* dm = k.work + 2 * bu;   // [dZ_z, dZ_r, dM_h] with reset_after
  const float* dys = k.dys;
  prepare_backward(p, q, k.dht, dhn, nullptr, nullptr);
  for (int64_t s = q.T - 1; s >= 0; --s) {
    float* zs = k.z + s * q.B * gu;
    const float* as = k.a + s * q.B * gu;
    const float* hp = k.hs + s * bu;
    float* aux = k.aux + s * bu;
    // h = z ⊙ h' + (1 - z) ⊙ act(h~): to z, to h~ (then into Z_h), and directly to h'.
    launch_each(p, bu, [=] __device__(int64_t i) {
      const int64_t b = i / u, j = i - b * u;
      const float* a = as + b * gu;
      float* z = zs + b * gu;
      float* dmr = dm + b * gu;
      const float dh = step_grad(q, dhn, dys, s, b, j);
      if (!enter_step_grad(q, s, b, j, z, dh, dhn + i)) {
        // The GEMMs add nothing for this row once its dZ (and with reset_after dM_h) is zero.
        if (q.reset_after) {
          aux[i] = 0.0f;
          dmr[j] = dmr[u + j] = dmr[2 * u + j] = 0.0f;
        }
        return;
      }
      const float zg = a[j], rg = a[u + j], hh = a[2 * u + j], h = hp[i];
      dhn[i] = dh * zg;
      const float dzh = act_backward(q.act, z[2 * u + j], hh, dh * (1.0f - zg));
      const float dzz = act_backward(q.rec, z[j], zg, dh * (h - hh));
      z[2 * u + j] = dzh;
      z[j] = dzz;
      if (q.reset_after) {
        // h~ = ... + r ⊙ M_h: to r, and to M_h = h'·R_h + b'_h (kept in aux, now its gradient).
        const float dmh = dzh * rg;
        const float dzr = act_backward(q.rec, z[u + j], rg, dzh * aux[i]);
        aux[i] = dmh;
        z[u + j] = dzr;
        dmr[j] = dzz;
        dmr[u + j] = dzr;
        dmr[2 * u + j] = dmh;
      }
    }, "gru_bwd step");
    const bool to_prev = s > 0 || k.g.dh0;
    if (q.reset_after) {
      if (to_prev) mm(p, false, true, q.B, u, gu, dm, gu, k.r, gu, 1.0f, dhn, u);
      continue;
    }
    // d(r ⊙ h') = dZ_h · R_h^T; then to r, and through r ⊙ h' to h'.
    mm(p, false, true, q.B, u, u, zs + 2 * u, gu, k.r + 2 * u, gu, 0.0f, drh, u);
    launch_each(p, bu, [=] __device__(int64_t i) {
      const int64_t b = i / u, j = i - b * u;
      const float rg = as[b * gu + u + j];
      float* z = zs + b * gu;
      const float d = drh[i];
      dhn[i] += d * rg;
      z[u + j] = act_backward(q.rec, z[u + j], rg, d * hp[i]);  // dZ_r
    }, "gru_bwd reset gate");
    if (to_prev) mm(p, false, true, q.B, u, 2 * u, zs, gu, k.r, gu, 1.0f, dhn, u);
  }
  initial_state_grads(p, q, dhn, nullptr, k.g);
  if (k.g.dr) {
    const float beta = k.g.acc_dr() ? 1.0f : 0.0f;
    // z and r columns: h'^T · dZ[:, :2U]; the candidate's: from aux (dM_h, or r ⊙ h').
    mm(p, true, false, u, 2 * u, rows, k.hs, u, k.z, gu, beta, k.g.dr, gu);
    if (q.reset_after) mm(p, true, false, u, u, rows, k.hs, u, k.aux, u, beta, k.g.dr + 2 * u, gu);
    else mm(p, true, false, u, u, rows, k.aux, u, k.z + 2 * u, gu, beta, k.g.dr + 2 * u, gu);
  }
  if (k.g.db && q.reset_after) column_sums(p, k.aux, rows, u, k.g.db + gu + 2 * u, k.g.acc_db());  // dM_h's share
  input_side_grads(p, q, k.w, k.xt, k.z, k.g, q.reset_after ? 2 * u : 0);
}

// ---- Bidirectional's merge ------------------------------------------------------------------

enum Merge : int64_t { kConcat = 0, kSum = 1, kMul = 2, kAve = 3 };

int64_t merge_rows(const plan::Plan& p, const plan::Instr& in) {
  const int64_t ua = in.ints[1];
  if (ua <= 0) throw std::runtime_error("bidirectional merge: width " + std::to_string(ua));
  return p.count(in.bufs[0]) / ua;
}

// bufs [a, b, y]; ints [mode, width of a, width of b]. Rows are a's count / its width.
// concat: y = [a, b] on the last axis; sum, mul, ave: element-wise (equal widths).
void bidirectional_merge_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t mode = in.ints[0], ua = in.ints[1], ub = in.ints[2];
  const int64_t rows = merge_rows(p, in);
  const float* a = p.f32(in.bufs[0]);
  const float* b = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  if (mode == kConcat) {
    const int64_t w = ua + ub;
    launch_each(p, rows * w, [=] __device__(int64_t i) {
      const int64_t r = i / w, j = i - r * w;
      y[i] = j < ua ? a[r * ua + j] : b[r * ub + j - ua];
    }, "bidirectional_merge_fwd");
    return;
  }
  launch_each(p, rows * ua, [=] __device__(int64_t i) {
    if (mode == kSum) y[i] = a[i] + b[i];
    else if (mode == kMul) y[i] = a[i] * b[i];
    else y[i] = 0.5f * (a[i] + b[i]);
  }, "bidirectional_merge_fwd");
}

// bufs [a, b, dy, da or -1, db or -1]; ints [mode, width of a, width of b, accumulate da, accumulate db]
void bidirectional_merge_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t mode = in.ints[0], ua = in.ints[1], ub = in.ints[2];
  const bool acc_a = in.ints[3] != 0, acc_b = in.ints[4] != 0;
  const int64_t rows = merge_rows(p, in);
  const float* a = p.f32(in.bufs[0]);
  const float* b = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* da = kernels::opt_f32(p, in.bufs[3]);
  float* db = kernels::opt_f32(p, in.bufs[4]);
  if (!da && !db) return;
  if (mode == kConcat) {
    // In dy's order: each element goes to one of the two halves.
    const int64_t w = ua + ub;
    launch_each(p, rows * w, [=] __device__(int64_t i) {
      const int64_t r = i / w, j = i - r * w;
      const float g = dy[i];
      if (j < ua) {
        if (da) da[r * ua + j] = acc_a ? da[r * ua + j] + g : g;
      } else if (db) {
        db[r * ub + j - ua] = acc_b ? db[r * ub + j - ua] + g : g;
      }
    }, "bidirectional_merge_bwd");
    return;
  }
  const float scale = mode == kAve ? 0.5f : 1.0f;
  launch_each(p, rows * ua, [=] __device__(int64_t i) {
    const float g = dy[i] * scale;
    if (da) {
      const float v = mode == kMul ? g * b[i] : g;
      da[i] = acc_a ? da[i] + v : v;
    }
    if (db) {
      const float v = mode == kMul ? g * a[i] : g;
      db[i] = acc_b ? db[i] + v : v;
    }
  }, "bidirectional_merge_bwd");
}

STRATA_CUDA_KERNEL("simple_rnn_fwd", simple_rnn_fwd);
STRATA_CUDA_KERNEL("simple_rnn_bwd", simple_rnn_bwd);
STRATA_CUDA_KERNEL("lstm_fwd", lstm_fwd);
STRATA_CUDA_KERNEL("lstm_bwd", lstm_bwd);
STRATA_CUDA_KERNEL("gru_fwd", gru_fwd);
STRATA_CUDA_KERNEL("gru_bwd", gru_bwd);
STRATA_CUDA_KERNEL("bidirectional_merge_fwd", bidirectional_merge_fwd);
STRATA_CUDA_KERNEL("bidirectional_merge_bwd", bidirectional_merge_bwd);

}  // namespace
}  // namespace strata::cuda
