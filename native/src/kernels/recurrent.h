// What the CPU's recurrent kernels (recurrent.cc, whose header describes the buffers, the
// gate layouts and the masks) and the CUDA ones read alike: a sequence's sizes and options
// from the ints, and the buffers of forward and backward (host or device pointers by the
// plan's kind).
#pragma once

#include <cstdint>

#include "../plan/plan.h"
#include "activation.h"
#include "host_device.h"
#include "layer_bufs.h"

namespace strata::kernels {

constexpr int64_t kGoBackwards = 1;        // read the input from the last timestep to the first
constexpr int64_t kReverseOutput = 2;      // write the output sequence in reversed time (Bidirectional)
constexpr int64_t kResetAfter = 4;         // GRU: reset gate after the recurrent matmul
constexpr int64_t kZeroOutputForMask = 8;  // masked steps output zeros, not the previous output
constexpr int64_t kLastOutput = 16;        // the output buffer holds only the last output [B, U]

// A sequence's sizes and options. Each device adds how it finds a row's first kept step and
// its input dropout's random stream.
struct SeqShape {
  int64_t B = 0, T = 0, F = 0, U = 0, G = 1;
  int64_t act = kTanh, rec = kSigmoid;
  bool backwards = false, reverse_out = false, reset_after = false, zero_output = false, last_only = false;
  float rate = 0.0f;              // input dropout (0 when off)
  const float* mask = nullptr;    // [B, T] in input time; null when every step counts

  STRATA_HD int64_t gu() const { return G * U; }
  STRATA_HD int64_t in_time(int64_t s) const { return backwards ? T - 1 - s : s; }
  STRATA_HD int64_t out_time(int64_t s) const { return reverse_out ? T - 1 - s : s; }
  // Whether row b takes step s (processing order) into its state.
  STRATA_HD bool live(int64_t s, int64_t b) const { return !mask || mask[b * T + in_time(s)] != 0.0f; }
};

// ints [T, F, U, act, rec_act, flags, ...], floats [dropout]; B = count(Xt) / (T·F), never
// p.batch, so the kernels also run inside TimeDistributed.
inline void read_seq(const plan::Plan& p, const plan::Instr& in, int32_t xt_buf, int32_t mask_buf, int64_t gates, SeqShape& q) {
  q.T = in.ints[0];
  q.F = in.ints[1];
  q.U = in.ints[2];
  q.act = in.ints[3];
  q.rec = in.ints[4];
  const int64_t flags = in.ints[5];
  q.backwards = (flags & kGoBackwards) != 0;
  q.reverse_out = (flags & kReverseOutput) != 0;
  q.reset_after = (flags & kResetAfter) != 0;
  q.zero_output = (flags & kZeroOutputForMask) != 0;
  q.last_only = (flags & kLastOutput) != 0;
  q.G = gates;
  q.B = q.T * q.F > 0 ? p.count(xt_buf) / (q.T * q.F) : 0;
  q.mask = opt_f32(p, mask_buf);
  q.rate = in.floats.empty() ? 0.0f : in.floats[0];
}

// Forward's buffers: bufs [x, W, R, b, h0, c0, Xt, Z, A, Hs, Cs, aux, work, y, hT, cT, mask]
// (y: the output sequence, or with kLastOutput the last output; mask or -1)
struct FwdBufs {
  const float *x, *w, *r, *bias, *h0, *c0;
  float *xt, *z, *a, *hs, *cs, *aux, *work, *y, *ht, *ct;
};

inline FwdBufs fwd_bufs(const plan::Plan& p, const plan::Instr& in) {
  const auto& b = in.bufs;
  auto opt = [&](int32_t id) { return opt_f32(p, id); };
  return {p.f32(b[0]),  p.f32(b[1]),  p.f32(b[2]),  opt(b[3]),  opt(b[4]),  opt(b[5]),  p.f32(b[6]),  p.f32(b[7]),
          opt(b[8]),    p.f32(b[9]),  opt(b[10]),   opt(b[11]), p.f32(b[12]), opt(b[13]), opt(b[14]),   opt(b[15])};
}

// Where backward's gradients go; null when not wanted. Bits of ints[6]: which ones accumulate.
struct Grads {
  float *dx, *dw, *dr, *db, *dh0, *dc0;
  int64_t acc;
  bool acc_dx() const { return acc & 1; }
  bool acc_dw() const { return acc & 2; }
  bool acc_dr() const { return acc & 4; }
  bool acc_db() const { return acc & 8; }
  bool acc_dh0() const { return acc & 16; }
  bool acc_dc0() const { return acc & 32; }
};

// Backward's buffers: bufs [W, R, Xt, Z, A, Hs, Cs, aux, work, dy, dhT, dcT, dx, dW, dR, db, dh0, dc0, mask]
struct BwdBufs {
  const float *w, *r;
  float *xt, *z, *a, *hs, *cs, *aux, *work;
  const float *dys, *dht, *dct;
  Grads g;
};

inline BwdBufs bwd_bufs(const plan::Plan& p, const plan::Instr& in) {
  const auto& b = in.bufs;
  auto opt = [&](int32_t id) { return opt_f32(p, id); };
  return {p.f32(b[0]), p.f32(b[1]), p.f32(b[2]), p.f32(b[3]), opt(b[4]),  p.f32(b[5]), opt(b[6]),
          opt(b[7]),   p.f32(b[8]), opt(b[9]),   opt(b[10]),  opt(b[11]),
          {opt(b[12]), opt(b[13]), opt(b[14]), opt(b[15]), opt(b[16]), opt(b[17]), in.ints[6]}};
}

}  // namespace strata::kernels
