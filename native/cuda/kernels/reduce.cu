// Reductions over any set of axes on the device (src/kernels/reduce.cc): reduce_fwd /
// reduce_bwd, and reduce_to, which binary.cu uses to sum gradients over broadcast axes.
//
// Shapes are collapsed as on the CPU (size-1 axes dropped, neighbours of the same kind
// merged), then seen as an [outputs, reduced] problem: output o is folded over the reduced
// index j, both decomposed into x offsets along their own axes. Which threads take which
// (o, j) depends on x's innermost axis, so that reads stay coalesced:
//   reduced innermost: a thread per output (few values), a warp per output, or for long
//     reductions blocks per output, each folding a chunk of j;
//   kept innermost: adjacent threads take adjacent outputs, 8 threads share an output's
//     j (a tile of 32 outputs x 8), and long reductions are split into chunks.
// Chunks write partial results to scratch, folded by a second kernel: a tree, no atomics,
// and the same result on every run.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernel.cuh"
#include "strided.cuh"

namespace strata::cuda {
namespace {

using kernels::kMaxR;
using kernels::kMean;
using kernels::kMinR;
using kernels::kSum;

template <int64_t KIND>
__device__ inline float identity() {
  if constexpr (KIND == kMaxR) return -INFINITY;
  if constexpr (KIND == kMinR) return INFINITY;
  return 0.0f;
}

// fmaxf / fminf skip NaNs as the CPU's std::max(m, x) from -inf does.
template <int64_t KIND>
__device__ inline float combine(float a, float b) {
  if constexpr (KIND == kMaxR) return fmaxf(a, b);
  if constexpr (KIND == kMinR) return fminf(a, b);
  return a + b;
}

template <int64_t KIND>
__device__ inline float warp_reduce(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = combine<KIND>(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Every thread of the block gets the result; safe to call again in a loop.
template <int64_t KIND>
__device__ inline float block_reduce(float v) {
  __shared__ float partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_reduce<KIND>(v);
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  float t = identity<KIND>();
  for (int w = 0; w < static_cast<int>(blockDim.x >> 5); ++w) t = combine<KIND>(t, partial[w]);
  return t;
}

// The collapsed reduction: kept axes and reduced axes, outer to inner, with their strides
// in x. y is contiguous over the kept axes.
struct ReduceShape {
  int nk = 0, nr = 0;
  int64_t kd[kMaxRank] = {}, ks[kMaxRank] = {};
  int64_t rd[kMaxRank] = {}, rs[kMaxRank] = {};
  int64_t n_out = 1, n_red = 1;
  bool inner_reduced = false;  // x's innermost axis is reduced: adjacent j are adjacent in x
};

ReduceShape reduce_shape(const Dims& xd, const Dims& yd) {
  int rank = 0;
  int64_t dim[kMaxRank] = {};
  bool red[kMaxRank] = {};
  for (int i = 0; i < xd.rank; ++i) {
    if (xd.d[i] == 1) continue;
    const bool r = yd.d[i] == 1;
    if (rank > 0 && red[rank - 1] == r) {
      dim[rank - 1] *= xd.d[i];
    } else {
      dim[rank] = xd.d[i];
      red[rank] = r;
      ++rank;
    }
  }
  int64_t stride[kMaxRank] = {};
  int64_t s = 1;
  for (int a = rank - 1; a >= 0; --a) {
    stride[a] = s;
    s *= dim[a];
  }
  ReduceShape sh;
  for (int a = 0; a < rank; ++a) {
    if (red[a]) {
      sh.rd[sh.nr] = dim[a];
      sh.rs[sh.nr++] = stride[a];
      sh.n_red *= dim[a];
    } else {
      sh.kd[sh.nk] = dim[a];
      sh.ks[sh.nk++] = stride[a];
      sh.n_out *= dim[a];
    }
  }
  sh.inner_reduced = rank > 0 && red[rank - 1];
  return sh;
}

// Offset in x of index idx over the axes (d, s) of one group, unrolled to kMaxRank so that
// the arrays are indexed by constants.
template <typename I>
__device__ inline I group_offset(int n, const int64_t (&d)[kMaxRank], const int64_t (&s)[kMaxRank], I idx) {
  I off = 0;
#pragma unroll
  for (int a = kMaxRank - 1; a > 0; --a) {
    if (a < n) {
      const I q = idx / static_cast<I>(d[a]);
      off += (idx - q * static_cast<I>(d[a])) * static_cast<I>(s[a]);
      idx = q;
    }
  }
  return n > 0 ? off + idx * static_cast<I>(s[0]) : off;
}

__device__ inline void store(float* y, int64_t o, float v, float scale, bool acc) {
  y[o] = acc ? y[o] + scale * v : scale * v;
}

// Where a fold of output o over chunk c of its j range goes: the result when there is one
// chunk, otherwise the partial at o * chunks + c.
struct Target {
  float* y;
  float* partial;
  int64_t chunks, chunk_len;
  float scale;
  bool acc;
};

__device__ inline void put(const Target& t, int64_t o, int64_t c, float v) {
  if (t.chunks == 1) {
    store(t.y, o, v, t.scale, t.acc);
  } else {
    t.partial[o * t.chunks + c] = v;
  }
}

// A thread per output (short reductions).
template <int64_t KIND, typename I>
__global__ void reduce_thread_kernel(const float* x, ReduceShape sh, float* y, float scale, bool acc) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; o < sh.n_out; o += step) {
    const float* xo = x + group_offset<I>(sh.nk, sh.kd, sh.ks, static_cast<I>(o));
    float v = identity<KIND>();
    for (I j = 0; j < static_cast<I>(sh.n_red); ++j) v = combine<KIND>(v, xo[group_offset<I>(sh.nr, sh.rd, sh.rs, j)]);
    store(y, o, v, scale, acc);
  }
}

// A warp per output, lanes over adjacent j (reduced innermost, moderate lengths).
template <int64_t KIND, typename I>
__global__ void reduce_warp_kernel(const float* x, ReduceShape sh, float* y, float scale, bool acc) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x >> 5);
  for (int64_t o = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; o < sh.n_out; o += warps) {
    const float* xo = x + group_offset<I>(sh.nk, sh.kd, sh.ks, static_cast<I>(o));
    float v = identity<KIND>();
    for (I j = lane; j < static_cast<I>(sh.n_red); j += 32) v = combine<KIND>(v, xo[group_offset<I>(sh.nr, sh.rd, sh.rs, j)]);
    v = warp_reduce<KIND>(v);
    if (lane == 0) store(y, o, v, scale, acc);
  }
}

// A block per (output, chunk of j) (reduced innermost, long reductions: a row sum of a
// large matrix, or everything into one value).
template <int64_t KIND, typename I>
__global__ void reduce_block_kernel(const float* x, ReduceShape sh, Target t) {
  const int64_t c = blockIdx.y;
  const I j0 = static_cast<I>(c * t.chunk_len);
  const I j1 = static_cast<I>(min(sh.n_red, (c + 1) * t.chunk_len));
  for (int64_t o = blockIdx.x; o < sh.n_out; o += gridDim.x) {
    const float* xo = x + group_offset<I>(sh.nk, sh.kd, sh.ks, static_cast<I>(o));
    float v = identity<KIND>();
    for (I j = j0 + threadIdx.x; j < j1; j += blockDim.x) v = combine<KIND>(v, xo[group_offset<I>(sh.nr, sh.rd, sh.rs, j)]);
    v = block_reduce<KIND>(v);
    if (threadIdx.x == 0) put(t, o, c, v);
  }
}

// Tiles of 32 adjacent outputs x 8 threads along j, per chunk of j (kept innermost: column
// sums, e.g. over the batch). Block (32, 8).
template <int64_t KIND, typename I>
__global__ void reduce_cols_kernel(const float* x, ReduceShape sh, Target t) {
  __shared__ float part[8][33];
  const int64_t c = blockIdx.y;
  const I j0 = static_cast<I>(c * t.chunk_len);
  const I j1 = static_cast<I>(min(sh.n_red, (c + 1) * t.chunk_len));
  const int64_t tiles = (sh.n_out + 31) / 32;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t o = tile * 32 + threadIdx.x;
    float v = identity<KIND>();
    if (o < sh.n_out) {
      const float* xo = x + group_offset<I>(sh.nk, sh.kd, sh.ks, static_cast<I>(o));
      for (I j = j0 + threadIdx.y; j < j1; j += 8) v = combine<KIND>(v, xo[group_offset<I>(sh.nr, sh.rd, sh.rs, j)]);
    }
    part[threadIdx.y][threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.y == 0 && o < sh.n_out) {
      for (int k = 1; k < 8; ++k) v = combine<KIND>(v, part[k][threadIdx.x]);
      put(t, o, c, v);
    }
    __syncthreads();
  }
}

// Folds each output's chunk partials (a warp per output).
template <int64_t KIND>
__global__ void reduce_partials_kernel(const float* partial, int64_t n_out, int64_t chunks, float* y, float scale, bool acc) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x >> 5);
  for (int64_t o = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; o < n_out; o += warps) {
    float v = identity<KIND>();
    for (int64_t c = lane; c < chunks; c += 32) v = combine<KIND>(v, partial[o * chunks + c]);
    v = warp_reduce<KIND>(v);
    if (lane == 0) store(y, o, v, scale, acc);
  }
}

// Below these lengths a thread folds a whole output; up to kWarpMax a warp does.
constexpr int64_t kThreadMaxInner = 32, kThreadMaxCols = 16, kWarpMax = 4096;
// Long reductions are split until about this many blocks run, each chunk keeping at least
// kMinChunk* values of j, and at most kMaxChunks chunks per output.
constexpr int64_t kTargetBlocks = 1024, kMinChunkBlock = 8192, kMinChunkCols = 256, kMaxChunks = 1024;
constexpr int kCols = 32, kColRows = 8;

unsigned grid_of(int64_t n) { return static_cast<unsigned>(n < 1 ? 1 : (n > 65535 * 8 ? 65535 * 8 : n)); }

// Splits n_red into chunks when the outputs alone give fewer than kTargetBlocks blocks.
void choose_chunks(int64_t blocks, int64_t n_red, int64_t min_chunk, Target& t) {
  int64_t chunks = 1;
  if (blocks < kTargetBlocks) {
    chunks = std::min<int64_t>({(kTargetBlocks + blocks - 1) / blocks, (n_red + min_chunk - 1) / min_chunk, kMaxChunks});
    chunks = std::max<int64_t>(chunks, 1);
  }
  t.chunk_len = std::max<int64_t>((n_red + chunks - 1) / chunks, 1);
  t.chunks = std::max<int64_t>((n_red + t.chunk_len - 1) / t.chunk_len, 1);
}

template <int64_t KIND, typename I>
void reduce_launch(plan::Plan& p, const float* x, const ReduceShape& sh, float* y, float scale, bool acc) {
  cudaStream_t s = stream(p);
  if (sh.inner_reduced ? sh.n_red < kThreadMaxInner : sh.n_red < kThreadMaxCols) {
    reduce_thread_kernel<KIND, I><<<blocks_for(sh.n_out), kThreads, 0, s>>>(x, sh, y, scale, acc);
    check_launch("reduce");
    return;
  }
  if (sh.inner_reduced && sh.n_red < kWarpMax) {
    reduce_warp_kernel<KIND, I><<<blocks_for(sh.n_out * 32), kThreads, 0, s>>>(x, sh, y, scale, acc);
    check_launch("reduce");
    return;
  }
  Target t{y, nullptr, 1, sh.n_red, scale, acc};
  const int64_t blocks = sh.inner_reduced ? sh.n_out : (sh.n_out + kCols - 1) / kCols;
  choose_chunks(blocks, sh.n_red, sh.inner_reduced ? kMinChunkBlock : kMinChunkCols, t);
  if (t.chunks > 1) t.partial = static_cast<float*>(scratch(p, 2, static_cast<size_t>(sh.n_out * t.chunks) * sizeof(float)));
  const dim3 grid(grid_of(blocks), static_cast<unsigned>(t.chunks));
  if (sh.inner_reduced) {
    reduce_block_kernel<KIND, I><<<grid, kThreads, 0, s>>>(x, sh, t);
  } else {
    reduce_cols_kernel<KIND, I><<<grid, dim3(kCols, kColRows), 0, s>>>(x, sh, t);
  }
  check_launch("reduce");
  if (t.chunks > 1) {
    reduce_partials_kernel<KIND><<<blocks_for(sh.n_out * 32), kThreads, 0, s>>>(t.partial, sh.n_out, t.chunks, y, scale, acc);
    check_launch("reduce");
  }
}

template <int64_t KIND>
void reduce_dispatch(plan::Plan& p, const float* x, const ReduceShape& sh, int64_t n_in, float* y, float scale, bool acc) {
  if (sh.n_out == 0) return;
  if (n_in <= INT_MAX) {
    reduce_launch<KIND, uint32_t>(p, x, sh, y, scale, acc);
  } else {
    reduce_launch<KIND, int64_t>(p, x, sh, y, scale, acc);
  }
}

}  // namespace

void reduce_to(plan::Plan& p, int64_t kind, const float* x, const Dims& xd, const Dims& yd, float* y, float scale, bool accumulate) {
  const ReduceShape sh = reduce_shape(xd, yd);
  const int64_t n_in = xd.size();
  switch (kind) {
    case kSum:
    case kMean: return reduce_dispatch<kSum>(p, x, sh, n_in, y, scale, accumulate);
    case kMaxR: return reduce_dispatch<kMaxR>(p, x, sh, n_in, y, scale, accumulate);
    case kMinR: return reduce_dispatch<kMinR>(p, x, sh, n_in, y, scale, accumulate);
    default: throw std::runtime_error("reduce: unknown kind " + std::to_string(kind));
  }
}

namespace {

// bufs [x, y]; ints [kind, rank, x dims, y dims (x's rank; 1 along reduced axes)]
void reduce_fwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const kernels::ReduceShape shape = kernels::read_reduce_shape(p, r);
  reduce_to(p, shape.kind, p.f32(in.bufs[0]), shape.xd, shape.yd, p.f32(in.bufs[1]), shape.scale(), false);
}

// bufs [x, y, dy, dx]; ints [kind, rank, x dims, y dims, accumulate]
// sum: dx = dy broadcast; mean: divided by the count; max / min: dy goes to the positions that
// hold the extreme, split evenly between ties.
void reduce_bwd(plan::Plan& p, const plan::Instr& in) {
  kernels::IntReader r{in.ints};
  const kernels::ReduceShape shape = kernels::read_reduce_shape(p, r);
  const int64_t kind = shape.kind;
  const Dims &xd = shape.xd, &yd = shape.yd;
  const bool acc = r.next() != 0;
  const float* x = p.f32(in.bufs[0]);
  const float* y = p.f32(in.bufs[1]);
  const float* dy = p.f32(in.bufs[2]);
  float* dx = p.f32(in.bufs[3]);
  if (kind == kSum || kind == kMean) {
    // dx (+)= scale * dy, dy broadcast from yd to xd.
    const float scale = shape.scale();
    const Dims* ops[1] = {&yd};
    const Strided s = kernels::broadcast_walk(xd, ops, 2);
    launch_strided<2>(
        p, s,
        [=] __device__(const int64_t* off) {
          const float g = scale * dy[off[1]];
          dx[off[0]] = acc ? dx[off[0]] + g : g;
        },
        "reduce_bwd");
    return;
  }
  // mask = (x == y), count = sum(mask) per output, dx (+)= mask * dy / count.
  const int64_t n = xd.size();
  if (n == 0) return;
  float* mask = static_cast<float*>(scratch(p, 0, static_cast<size_t>(n) * sizeof(float)));
  float* count = static_cast<float*>(scratch(p, 1, static_cast<size_t>(std::max<int64_t>(yd.size(), 1)) * sizeof(float)));
  const Dims* ops[2] = {&xd, &yd};
  const Strided s = kernels::broadcast_walk(xd, ops, 3);
  launch_strided<3>(
      p, s, [=] __device__(const int64_t* off) { mask[off[0]] = x[off[1]] == y[off[2]] ? 1.0f : 0.0f; }, "reduce_bwd");
  reduce_to(p, kSum, mask, xd, yd, count, 1.0f, false);
  launch_strided<3>(
      p, s,
      [=] __device__(const int64_t* off) {
        const float g = mask[off[0]] * dy[off[2]] / count[off[2]];
        dx[off[0]] = acc ? dx[off[0]] + g : g;
      },
      "reduce_bwd");
}

STRATA_CUDA_KERNEL("reduce_fwd", reduce_fwd);
STRATA_CUDA_KERNEL("reduce_bwd", reduce_bwd);

}  // namespace
}  // namespace strata::cuda
