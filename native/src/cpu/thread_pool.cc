#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <exception>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define STRATA_CPU_RELAX() _mm_pause()
#else
#define STRATA_CPU_RELAX() std::this_thread::yield()
#endif

namespace strata::cpu {

namespace {

// True on pool worker threads and on a caller while it runs its share of a job: a
// nested run() from there executes inline instead of deadlocking on the pool.
thread_local bool in_pool_task = false;

// How long an idle worker, or a caller waiting for the last worker, spins before it
// sleeps on a condition variable. Kernels issue several fork/joins back to back (pack,
// compute, pack, ...), so a short spin keeps their latency in the microseconds.
constexpr auto kSpinFor = std::chrono::microseconds(200);
constexpr int kMaxThreads = 256;

}  // namespace

ThreadPool& ThreadPool::instance() {
  // Deliberately leaked: worker threads live until the process exits, and no static
  // destructor has to join them while Node tears down.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

int ThreadPool::hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min<unsigned>(n, kMaxThreads));
}

ThreadPool::ThreadPool() { ensure_capacity(hardware_threads()); }

ThreadPool::~ThreadPool() { stop_all(); }

void ThreadPool::stop_all() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

int ThreadPool::capacity() const { return capacity_.load(std::memory_order_relaxed); }

void ThreadPool::ensure_capacity(int n) {
  n = std::clamp(n, 1, kMaxThreads);
  std::lock_guard<std::mutex> dispatch(dispatch_);
  while (static_cast<int>(workers_.size()) + 1 < n) {
    const int tid = static_cast<int>(workers_.size()) + 1;
    // The generation is read here, under dispatch_, not in the new thread: by the time
    // the thread starts, a run() may already have published the next job.
    const uint64_t seen = generation_.load(std::memory_order_acquire);
    workers_.emplace_back([this, tid, seen] { worker_loop(tid, seen); });
  }
  capacity_.store(static_cast<int>(workers_.size()) + 1, std::memory_order_relaxed);
}

void ThreadPool::worker_loop(int tid, uint64_t seen) {
  in_pool_task = true;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    if (g == seen && !stop_.load(std::memory_order_relaxed)) {
      auto until = std::chrono::steady_clock::now() + kSpinFor;
      int spins = 0;
      while ((g = generation_.load(std::memory_order_acquire)) == seen &&
             !stop_.load(std::memory_order_relaxed)) {
        STRATA_CPU_RELAX();
        if ((++spins & 63) == 0 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lk(mu_);
          wake_.wait(lk, [&] {
            return generation_.load(std::memory_order_acquire) != seen || stop_.load();
          });
          g = generation_.load(std::memory_order_acquire);
          break;
        }
      }
    }
    if (stop_.load()) return;
    seen = g;
    const int n = job_threads_;
    if (tid >= n) continue;
    try {
      (*job_)(tid, n);
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_mu_);
      if (!error_) error_ = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);
      done_cv_.notify_one();
    }
  }
}

int ThreadPool::run(int n, const Task& fn) {
  if (n <= 1 || in_pool_task) {
    fn(0, 1);
    return 1;
  }
  std::unique_lock<std::mutex> dispatch(dispatch_, std::try_to_lock);
  if (!dispatch.owns_lock()) {  // another thread (JS worker) is using the pool
    fn(0, 1);
    return 1;
  }
  n = std::min(n, static_cast<int>(workers_.size()) + 1);
  if (n <= 1) {
    dispatch.unlock();
    fn(0, 1);
    return 1;
  }

  job_ = &fn;
  job_threads_ = n;
  error_ = nullptr;
  pending_.store(n - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();

  in_pool_task = true;
  try {
    fn(0, n);
  } catch (...) {
    std::lock_guard<std::mutex> lk(error_mu_);
    if (!error_) error_ = std::current_exception();
  }
  in_pool_task = false;

  // Wait for the workers: spin briefly, then sleep.
  auto until = std::chrono::steady_clock::now() + kSpinFor;
  int spins = 0;
  while (pending_.load(std::memory_order_acquire) != 0) {
    STRATA_CPU_RELAX();
    if ((++spins & 63) == 0 && std::chrono::steady_clock::now() > until) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
      break;
    }
  }
  job_ = nullptr;
  std::exception_ptr err = error_;
  error_ = nullptr;
  dispatch.unlock();
  if (err) std::rethrow_exception(err);
  return n;
}

void ThreadPool::parallel_for(int64_t begin, int64_t end, int64_t grain, int n,
                              const std::function<void(int64_t, int64_t, int)>& fn) {
  if (end <= begin) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t units = (end - begin + grain - 1) / grain;
  const int chunks = static_cast<int>(std::min<int64_t>(units, std::max(n, 1)));
  run(chunks, [&](int tid, int nthreads) {
    const int64_t per = units / nthreads, extra = units % nthreads;
    const int64_t u0 = tid * per + std::min<int64_t>(tid, extra);
    const int64_t u1 = u0 + per + (tid < extra ? 1 : 0);
    const int64_t b = begin + u0 * grain;
    const int64_t e = std::min(end, begin + u1 * grain);
    if (b < e) fn(b, e, tid);
  });
}

}  // namespace strata::cpu
