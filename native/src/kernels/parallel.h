// Splitting element-wise and row-wise work over the thread pool. Small work runs inline:
// waking a thread costs more than a few thousand multiply-adds.
#pragma once

#include <cstdint>

#include "../cpu/thread_pool.h"

namespace strata::kernels {

constexpr int64_t kElementGrain = 1 << 15;

template <typename F>
void for_range(int64_t n, int64_t grain, int threads, F&& fn) {
  if (n <= grain || threads <= 1) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  cpu::ThreadPool::instance().parallel_for(0, n, grain, threads, [&](int64_t b, int64_t e, int) { fn(b, e); });
}

// Rows of `cols` values, split so that each chunk holds about kElementGrain values.
template <typename F>
void for_rows(int64_t rows, int64_t cols, int threads, F&& fn) {
  const int64_t grain = cols >= kElementGrain ? 1 : kElementGrain / (cols > 0 ? cols : 1);
  for_range(rows, grain, threads, fn);
}

}  // namespace strata::kernels
