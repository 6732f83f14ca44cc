// A small persistent thread pool for the CPU kernels.
//
// One pool per process, created on first use and sized to the hardware concurrency
// (the caller of run() is participant 0, so the pool owns hardware_concurrency - 1
// worker threads). Kernels split their work statically: run(n, fn) calls fn(tid, n) on
// n participants and returns when all of them are done (fork/join, which doubles as a
// barrier between the phases of a kernel).
//
// The pool is shared by every addon instance in the process (main thread, worker
// threads). Only one caller at a time can fan out over it: a second caller that finds
// the pool busy, or a kernel that calls run() from inside a pool task, runs its work
// on its own thread instead (correct, just not parallel). No JS state lives here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::cpu {

class ThreadPool {
 public:
  using Task = std::function<void(int tid, int nthreads)>;

  // The process-wide pool.
  static ThreadPool& instance();

  // Number of hardware threads the OS reports (at least 1).
  static int hardware_threads();

  // How many participants run() can use at most right now (workers + the caller).
  int capacity() const;

  // Makes sure at least n - 1 worker threads exist (n participants).
  void ensure_capacity(int n);

  // Runs fn(tid, nthreads) for tid in [0, nthreads) with nthreads = min(n, capacity());
  // tid 0 runs on the calling thread. Returns the nthreads actually used. If the pool is
  // busy (another thread is using it) or the caller is itself a pool task, fn(0, 1) runs
  // inline. Exceptions thrown by fn are rethrown in the caller (the first one).
  int run(int n, const Task& fn);

  // Static partition of [begin, end) into at most n contiguous chunks, each a multiple
  // of `grain` long (except the last); fn(chunk_begin, chunk_end, tid).
  void parallel_for(int64_t begin, int64_t end, int64_t grain, int n,
                    const std::function<void(int64_t, int64_t, int)>& fn);

  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  ThreadPool();
  void worker_loop(int tid, uint64_t seen);
  void stop_all();

  mutable std::mutex dispatch_;     // held by the caller for the whole of run()
  std::mutex mu_;                   // guards the sleeping handshake below
  std::condition_variable wake_;    // workers wait here for a new generation
  std::condition_variable done_cv_; // the caller waits here for the last worker
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};     // workers of the current job still running
  std::atomic<bool> stop_{false};
  std::atomic<int> capacity_{1};
  const Task* job_ = nullptr;
  int job_threads_ = 1;
  std::exception_ptr error_;
  std::mutex error_mu_;
};

// Convenience wrappers over the process-wide pool.
inline int parallel_run(int n, const ThreadPool::Task& fn) { return ThreadPool::instance().run(n, fn); }

}  // namespace strata::cpu
