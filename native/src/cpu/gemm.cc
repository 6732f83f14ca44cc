// GEMM driver: ISA dispatch, cache blocking, packing and threading. Portable code; the
// ISA-specific micro-kernels and packers live in gemm_{avx512,avx2,portable}.cc.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "gemm_kernels.h"
#include "thread_pool.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define STRATA_CPU_RELAX() _mm_pause()
#else
#define STRATA_CPU_RELAX() std::this_thread::yield()
#endif

namespace strata::cpu {

// ---------------------------------------------------------------------------------------
// ISA dispatch

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return true;
#if defined(STRATA_X86_KERNELS)
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("fma");
#else
    case Isa::kAvx2:
    case Isa::kAvx512:
      return false;
#endif
  }
  return false;
}

Isa best_isa() {
  if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kPortable;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kPortable:
      return "portable";
  }
  return "portable";
}

bool parse_isa(const std::string& name, Isa* out) {
  if (name == "avx512") {
    *out = Isa::kAvx512;
  } else if (name == "avx2") {
    *out = Isa::kAvx2;
  } else if (name == "portable") {
    *out = Isa::kPortable;
  } else {
    return false;
  }
  return true;
}

namespace {

const GemmKernelTable& table_for(Isa isa) {
  switch (isa) {
#if defined(STRATA_X86_KERNELS)
    case Isa::kAvx512:
      return *gemm_kernels_avx512();
    case Isa::kAvx2:
      return *gemm_kernels_avx2();
#endif
    default:
      return *gemm_kernels_portable();
  }
}

struct Blocking {
  int64_t mc, kc, nc, ng;
};

// The table's blocking, or STRATA_GEMM_BLOCKING="MC,KC,NC,NG" (read once) for tuning on
// another CPU. MC is rounded to a multiple of MR, NC and NG to multiples of NR.
Blocking blocking_for(const GemmKernelTable& t) {
  static const Blocking override_blocking = [] {
    Blocking b{0, 0, 0, 0};
    if (const char* env = std::getenv("STRATA_GEMM_BLOCKING")) {
      long long mc = 0, kc = 0, nc = 0, ng = 0;
      if (std::sscanf(env, "%lld,%lld,%lld,%lld", &mc, &kc, &nc, &ng) == 4 && mc > 0 && kc > 0 && nc > 0 && ng > 0) {
        b = Blocking{mc, kc, nc, ng};
      }
    }
    return b;
  }();
  Blocking b{t.mc, t.kc, t.nc, t.ng};
  if (override_blocking.mc > 0) b = override_blocking;
  b.mc = std::max<int64_t>(t.mr, b.mc / t.mr * t.mr);
  b.nc = std::max<int64_t>(t.nr, b.nc / t.nr * t.nr);
  b.ng = std::max<int64_t>(t.nr, b.ng / t.nr * t.nr);
  return b;
}

// Grow-only scratch for the packed panels. One per calling thread (a JS worker thread
// calling GEMM while the main thread does gets its own), reused across calls so the
// steady state allocates nothing. Large buffers are 2 MiB aligned and, on Linux, asked
// for transparent huge pages: a packed block then sits in physically contiguous memory,
// so its cache-set mapping (and the GEMM's speed) does not depend on which 4 KiB pages
// the kernel happened to hand out, and the streamed panels cost no TLB misses.
class PackBuffer {
 public:
  ~PackBuffer() { std::free(data_); }
  float* get(size_t floats) {
    if (floats > cap_) {
      std::free(data_);
      data_ = nullptr;
      cap_ = 0;
      const size_t bytes = floats * sizeof(float);
      const size_t align = bytes >= kHuge / 2 ? kHuge : 64;
      const size_t rounded = (bytes + align - 1) / align * align;
      data_ = static_cast<float*>(std::aligned_alloc(align, rounded));
      if (data_ == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
      if (align == kHuge) madvise(data_, rounded, MADV_HUGEPAGE);
#endif
      cap_ = rounded / sizeof(float);
    }
    return data_;
  }

 private:
  static constexpr size_t kHuge = size_t{2} << 20;
  float* data_ = nullptr;
  size_t cap_ = 0;
};

thread_local PackBuffer tl_packed_a;
thread_local PackBuffer tl_packed_b;

// Sense-reversing barrier for the participants of one pool job (they all run at once,
// one per thread). Spins with pause, then yields, so an oversubscribed machine still
// makes progress.
class SpinBarrier {
 public:
  explicit SpinBarrier(int n) : n_(n) {}
  void wait() {
    if (n_ <= 1) return;
    const int gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == gen) {
      if (++spins < 4096) {
        STRATA_CPU_RELAX();
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Below this many flops per participant a fork/join (about 1 us with the pool's workers
// spinning between back-to-back calls) costs more than it saves: 64x64x64 (5e5 flops)
// takes 3.3 us on 2 threads against 4.6 us on 1.
constexpr double kMinFlopsPerThread = 2e5;

int threads_for(int requested, const GemmArgs& g, const GemmKernelTable& t) {
  if (requested <= 1) return 1;
  const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  const int64_t by_work = static_cast<int64_t>(flops / kMinFlopsPerThread);
  const int64_t tiles = ceil_div(g.m, t.mr) * ceil_div(g.n, t.nr);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({requested, by_work, tiles})));
}

// C = beta * C (K == 0 or alpha == 0): no products to add.
void scale_c(const GemmArgs& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    float* row = g.c + i * g.ldc;
    if (g.beta == 0.0f) {
      std::fill(row, row + g.n, 0.0f);
    } else if (g.beta != 1.0f) {
      for (int64_t j = 0; j < g.n; ++j) row[j] *= g.beta;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// GEMM

namespace {

void sgemm_with(const GemmKernelTable& t, int threads, const GemmArgs& g);

// A multithreaded GEMM either shares its packed panels among all participants (one
// packing of A and B, tiles handed out dynamically) or splits C into one slab per
// participant (rows if there are enough row panels, else columns), each participant
// running a whole single-threaded GEMM on its slab with its own packing, which packs the
// other operand once per participant.
//
// Sharing moves every packed panel from the core that packed it to the cores that use
// it. A small problem uses each panel only a few times, so that traffic costs more than
// the multiplication (64x64x784 on 2 threads: no faster than 1 thread shared, 1.6x
// faster split). The split's cost is the duplicated packing, about 25 * threads / (slab
// dimension) of the work (1 cycle per packed float against MR*NR*K / 64 FMA cycles per
// tile). Measured: on 2 cores the split is never slower, up to 2048^3; on 16 cores
// sharing wins at 1024^3 (1320 against 820 GFLOP/s), which this rule picks.
constexpr double kSplitBelowFlops = 2e8;
constexpr double kSplitMaxDuplicatedPacking = 0.1;

// STRATA_GEMM_SPLIT=never|always (read once) overrides the choice, for tests and tuning.
int split_override() {
  static const int mode = [] {
    const char* env = std::getenv("STRATA_GEMM_SPLIT");
    if (env == nullptr) return 0;
    if (std::strcmp(env, "never") == 0) return -1;
    if (std::strcmp(env, "always") == 0) return 1;
    return 0;
  }();
  return mode;
}

bool split_gemm(const GemmKernelTable& t, int nt, const GemmArgs& g) {
  const int64_t row_panels = ceil_div(g.m, t.mr), col_panels = ceil_div(g.n, t.nr);
  const bool by_rows = row_panels >= nt || row_panels >= col_panels;
  const int64_t panels = by_rows ? row_panels : col_panels;
  if (panels < 2 || split_override() < 0) return false;
  const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  const double duplicated = 25.0 * nt / static_cast<double>(by_rows ? g.m : g.n);
  if (split_override() == 0 && flops >= kSplitBelowFlops && duplicated > kSplitMaxDuplicatedPacking) return false;
  nt = static_cast<int>(std::min<int64_t>(nt, panels));
  ThreadPool::instance().run(nt, [&](int tid, int n) {
    const int64_t per = panels / n, extra = panels % n;
    const int64_t p0 = tid * per + std::min<int64_t>(tid, extra);
    const int64_t p1 = p0 + per + (tid < extra ? 1 : 0);
    GemmArgs s = g;
    if (by_rows) {
      const int64_t i0 = p0 * t.mr, i1 = std::min(g.m, p1 * t.mr);
      s.m = i1 - i0;
      s.a = g.trans_a ? g.a + i0 : g.a + i0 * g.lda;
      s.c = g.c + i0 * g.ldc;
    } else {
      const int64_t j0 = p0 * t.nr, j1 = std::min(g.n, p1 * t.nr);
      s.n = j1 - j0;
      s.b = g.trans_b ? g.b + j0 * g.ldb : g.b + j0;
      s.c = g.c + j0;
    }
    if (s.m > 0 && s.n > 0) sgemm_with(t, 1, s);
  });
  return true;
}

// The GEMM proper, M, N, K > 0 and alpha != 0.
void sgemm_with(const GemmKernelTable& t, int threads, const GemmArgs& g) {
  const Blocking blk = blocking_for(t);
  const int64_t MR = t.mr, NR = t.nr;

  // Equal-sized blocks (e.g. K = 784 with KC = 512 runs as 2 x 392, not 512 + 272; K =
  // 520 as 2 x 260, not 512 + 8, whose 8-deep block would cost a whole pass over C).
  const int64_t kc_blk = ceil_div(g.k, ceil_div(g.k, blk.kc));
  const int64_t mc_blk = ceil_div(ceil_div(g.m, ceil_div(g.m, blk.mc)), MR) * MR;
  const int64_t nc_blk = ceil_div(ceil_div(g.n, ceil_div(g.n, blk.nc)), NR) * NR;
  const int64_t kc_max = kc_blk;
  const int64_t mc_max = std::min(mc_blk, ceil_div(g.m, MR) * MR);
  const int64_t nc_max = std::min(nc_blk, ceil_div(g.n, NR) * NR);
  const size_t a_size = static_cast<size_t>(ceil_div(mc_max, MR) * MR * kc_max);
  const size_t b_size = static_cast<size_t>(ceil_div(nc_max, NR) * NR * kc_max);

  // Loop nest (BLIS/GotoBLAS, with the L1 and L2 roles chosen for a broadcast-A kernel):
  //   for each MC x KC block of op(A) and KC x NC block of op(B):
  //     pack both (A only when it changes), barrier;
  //     for each group of NG columns of the packed B block (kept in L2):
  //       for each MR-row micro-panel of packed A (kept in L1 for the whole group):
  //         micro-kernel against every NR-column micro-panel of the group (streamed);
  //     barrier.
  // MC and NC are large, so a whole 1024 x 1024 problem is one block per K block.
  // (Pipelining the packing of the next block into the tiles of the current one, with
  // double buffers, measured slower here: the packing streams evict the L2-resident B.)
  float* const packed_a = tl_packed_a.get(a_size);
  float* const packed_b = tl_packed_b.get(b_size);

  // Work is handed out in chunks from one shared ticket counter (see for_chunks), so a
  // participant that the OS descheduled (a busy machine) simply takes fewer chunks
  // instead of holding everyone up at the next barrier. Every C tile is still computed
  // by exactly one participant with a fixed summation order: results do not depend on
  // the schedule or the thread count.
  std::atomic<int64_t> tickets{0};

  auto body = [&](int nt, SpinBarrier& bar) {
    // B micro-panels per L2 group; small problems use narrower groups (down to single
    // tiles) so that every participant gets several chunks.
    int64_t n_g_cols = blk.ng / NR;
    if (nt > 1) {
      const int64_t n_ir = ceil_div(std::min(mc_blk, g.m), MR), n_jr = ceil_div(std::min(nc_blk, g.n), NR);
      while (n_g_cols > 1 && n_ir * ceil_div(n_jr, n_g_cols) < 8 * nt) n_g_cols = ceil_div(n_g_cols, 2);
    }
    // Phases are separated by barriers. In a phase of n chunks each participant takes
    // tickets until one is past the end; as each participant overshoots exactly once,
    // the next phase's tickets start n + nt later, a value every participant can compute.
    int64_t base = 0;
    auto for_chunks = [&](int64_t n, auto&& fn) {
      for (;;) {
        const int64_t c = tickets.fetch_add(1, std::memory_order_relaxed) - base;
        if (c >= n) break;
        fn(c);
      }
      base += n + nt;
    };

    for (int64_t ic = 0; ic < g.m; ic += mc_blk) {
      const int64_t mc = std::min(mc_blk, g.m - ic);
      const int64_t n_ir = ceil_div(mc, MR);
      for (int64_t pc = 0; pc < g.k; pc += kc_blk) {
        const int64_t kc = std::min(kc_blk, g.k - pc);
        const float beta = pc == 0 ? g.beta : 1.0f;
        for (int64_t jc = 0; jc < g.n; jc += nc_blk) {
          const int64_t nc = std::min(nc_blk, g.n - jc);
          const int64_t n_jr = ceil_div(nc, NR);
          const int64_t n_a = jc == 0 ? n_ir : 0;  // A is packed along with the first B block
          for_chunks(n_a + n_jr, [&](int64_t c) {
            if (c < n_a) {
              const int64_t i = c * MR;
              t.pack_a(g.trans_a, g.a, g.lda, ic + i, static_cast<int>(std::min(MR, mc - i)), pc, kc,
                       packed_a + c * kc * MR);
            } else {
              const int64_t jr = c - n_a, j = jr * NR;
              t.pack_b(g.trans_b, g.b, g.ldb, pc, kc, jc + j, static_cast<int>(std::min(NR, nc - j)),
                       packed_b + jr * kc * NR);
            }
          });
          bar.wait();  // packed blocks complete

          // Chunk c: A micro-panel c % n_ir against B group c / n_ir (group-major, so all
          // participants sweep the same L2-sized slab of B at a time).
          const int64_t n_groups = ceil_div(n_jr, n_g_cols);
          for_chunks(n_groups * n_ir, [&](int64_t c) {
            const int64_t ir = c % n_ir, j0 = (c / n_ir) * n_g_cols, j1 = std::min(n_jr, j0 + n_g_cols);
            const int64_t i = ir * MR;
            const float* ap = packed_a + ir * kc * MR;
            float* crow = g.c + (ic + i) * g.ldc + jc;
            const int m = static_cast<int>(std::min(MR, mc - i));
            for (int64_t jr = j0; jr < j1; ++jr) {
              const int64_t j = jr * NR;
              t.micro(kc, ap, packed_b + jr * kc * NR, crow + j, g.ldc, g.alpha, beta, m,
                      static_cast<int>(std::min(NR, nc - j)));
            }
          });
          bar.wait();  // nobody reads the packed blocks any more
        }
      }
    }
  };

  // Clamped to the pool's capacity, run() gives either all of them or (pool busy with
  // another JS thread's GEMM, or a nested call) just the caller.
  const int nt_wanted = std::min(threads_for(threads, g, t), ThreadPool::instance().capacity());
  if (nt_wanted > 1 && split_gemm(t, nt_wanted, g)) return;
  if (nt_wanted <= 1) {
    SpinBarrier single(1);
    body(1, single);
    return;
  }
  // Every participant sees the same count, so they agree on the barrier.
  SpinBarrier bar_n(nt_wanted);
  SpinBarrier bar_1(1);
  ThreadPool::instance().run(nt_wanted, [&](int, int nt) { body(nt, nt == nt_wanted ? bar_n : bar_1); });
}

}  // namespace

void sgemm(Isa isa, int threads, const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0 || g.alpha == 0.0f) {
    scale_c(g);
    return;
  }
  if (!isa_supported(isa)) isa = best_isa();
#if defined(STRATA_X86_KERNELS)
  if (isa == Isa::kAvx512 && g.n <= 16) {
    sgemm_with(*gemm_kernels_avx512_narrow(), threads, g);
    return;
  }
#endif
  sgemm_with(table_for(isa), threads, g);
}

void sgemm(Isa isa, int threads, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, const float* b, float beta, float* c) {
  GemmArgs g;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.m = m;
  g.n = n;
  g.k = k;
  g.alpha = alpha;
  g.a = a;
  g.lda = trans_a ? m : k;
  g.b = b;
  g.ldb = trans_b ? k : n;
  g.beta = beta;
  g.c = c;
  g.ldc = n;
  sgemm(isa, threads, g);
}

// ---------------------------------------------------------------------------------------
// FMA peak

double fma_peak_gflops(Isa isa, int threads, double seconds) {
  if (!isa_supported(isa)) isa = best_isa();
  const GemmKernelTable& t = table_for(isa);
  threads = std::max(1, threads);
  seconds = std::clamp(seconds, 0.01, 10.0);
  constexpr int64_t kIters = 1 << 14;  // one burst: a few tens of microseconds
  std::atomic<double> total_flops{0.0};
  std::atomic<float> sink{0.0f};
  // Warm-up (clock ramp, AVX frequency licence) before the timed part.
  ThreadPool::instance().run(threads, [&](int, int) {
    double f = 0;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    float s = 0;
    while (std::chrono::steady_clock::now() < end) s += t.fma_burst(kIters, &f);
    sink.store(s, std::memory_order_relaxed);
  });
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(seconds));
  ThreadPool::instance().run(threads, [&](int, int) {
    double mine = 0, f = 0;
    float s = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      s += t.fma_burst(kIters, &f);
      mine += f;
    }
    double cur = total_flops.load();
    while (!total_flops.compare_exchange_weak(cur, cur + mine)) {
    }
    sink.store(s, std::memory_order_relaxed);
  });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total_flops.load() / elapsed / 1e9;
}

}  // namespace strata::cpu
