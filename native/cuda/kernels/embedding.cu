// Embedding on the device (src/kernels/embedding.cc): y[i, :] = E[index[i], :], and its
// backward, a scatter-add of the output gradient rows into the table's gradient.
//
// Indices are int32 or float32 holding whole numbers (truncated, as Keras' cast). An index
// outside 0..inputDim-1 is a user error: the CPU checks them all before any work and throws;
// here the first bad one is recorded as a kTokenIndex fault, which the host turns into the
// error after the step (its row of y is zeroed meanwhile, so nothing reads garbage).
//
// Backward: many positions may share an index (padding token 0, frequent words), so rows
// of dE receive adds from several threads; atomicAdd on float does it in one pass, where
// the CPU's split by table rows would scan every index once per row range.
#include <cstdint>

#include "../kernel.cuh"

namespace strata::cuda {
namespace {

struct Indices {
  const int32_t* i32;
  const float* f32;
  int64_t vocab;
  Fault* fault;
  int instr;

  // Index i as an integer, or false when it is out of range (floats are checked before the
  // cast, as on the CPU: NaN and huge values have no integer value).
  __device__ bool read(int64_t i, int64_t* v) const {
    if (i32) {
      *v = i32[i];
      return *v >= 0 && *v < vocab;
    }
    const float f = f32[i];
    const bool in_range = f > -1.0f && f < static_cast<float>(vocab);
    // Out of range, the value is only reported: clamped so that the cast is defined.
    *v = in_range ? static_cast<int64_t>(f) : (f != f ? 0 : static_cast<int64_t>(fmaxf(fminf(f, 9.0e18f), -9.0e18f)));
    return in_range && *v >= 0 && *v < vocab;
  }

  // read(), recording a bad index as the step's fault when `report` (one thread per row).
  __device__ bool fetch(int64_t i, bool report, int64_t* v) const {
    if (read(i, v)) return true;
    if (report) raise_fault(fault, kTokenIndex, instr, *v, vocab);
    return false;
  }
};

Indices indices_of(const plan::Plan& p, int32_t buf, int64_t vocab) {
  const bool ints = p.buffers[buf].dtype == plan::DType::kI32;
  return {ints ? p.i32(buf) : nullptr, ints ? nullptr : p.f32(buf), vocab, fault(p), instr_index(p)};
}

// bufs [indices, E, y]; ints [inputDim, outputDim]
// One thread per output element (4 of them as a float4 when rows allow), reading its row's
// index; neighbouring threads copy neighbouring columns of one table row.
void embedding_fwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t vocab = in.ints[0], dim = in.ints[1];
  const Indices ix = indices_of(p, in.bufs[0], vocab);
  const float* table = p.f32(in.bufs[1]);
  float* y = p.f32(in.bufs[2]);
  const int64_t n = p.count(in.bufs[0]);
  if (dim <= 0) return;
  if (dim % 4 == 0) {
    const int64_t vdim = dim / 4;
    const float4* t4 = reinterpret_cast<const float4*>(table);
    float4* y4 = reinterpret_cast<float4*>(y);
    launch_each(p, n * vdim, [=] __device__(int64_t e) {
      const int64_t r = e / vdim, j = e - r * vdim;
      int64_t v;
      y4[e] = ix.fetch(r, j == 0, &v) ? t4[v * vdim + j] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }, "embedding_fwd");
    return;
  }
  launch_each(p, n * dim, [=] __device__(int64_t e) {
    const int64_t r = e / dim, j = e - r * dim;
    int64_t v;
    y[e] = ix.fetch(r, j == 0, &v) ? table[v * dim + j] : 0.0f;
  }, "embedding_fwd");
}

// bufs [indices, dy, dE]; ints [inputDim, outputDim, accumulate dE]
// dE[v, :] (+)= sum of dy[i, :] over positions i whose index is v.
void embedding_bwd(plan::Plan& p, const plan::Instr& in) {
  const int64_t vocab = in.ints[0], dim = in.ints[1];
  const bool accumulate = in.ints[2] != 0;
  const Indices ix = indices_of(p, in.bufs[0], vocab);
  const float* dy = p.f32(in.bufs[1]);
  float* de = p.f32(in.bufs[2]);
  const int64_t n = p.count(in.bufs[0]);
  if (dim <= 0) return;
  if (!accumulate) STRATA_CUDA_CHECK(cudaMemsetAsync(de, 0, static_cast<size_t>(vocab * dim) * sizeof(float), stream(p)));
  launch_each(p, n * dim, [=] __device__(int64_t e) {
    const int64_t r = e / dim, j = e - r * dim;
    int64_t v;
    if (ix.fetch(r, j == 0, &v)) atomicAdd(de + v * dim + j, dy[e]);
  }, "embedding_bwd");
}

STRATA_CUDA_KERNEL("embedding_fwd", embedding_fwd);
STRATA_CUDA_KERNEL("embedding_bwd", embedding_bwd);

}  // namespace
}  // namespace strata::cuda
