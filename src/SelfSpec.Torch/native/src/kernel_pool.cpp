// The shim's kernel thread pool (see kernel_pool.h for why it exists).
//
// Protocol. One job at a time (busy_); the caller fills job_, then publishes it by storing a new epoch in slot_ with
// the "open" bit set. A worker that sees the new epoch enters by incrementing the inside-count in slot_ (a CAS that
// fails once the job is closed or replaced), claims chunks from job_.next until none are left, and leaves. The caller
// claims chunks too, waits until every claimed chunk is done, closes the job (clears "open": nobody enters after
// that) and waits until the workers inside have left; only then may job_ be reused. A worker that wakes after the job
// was closed therefore never touches it.
//
// Sleeping. After spinning for spin_us without a new epoch, a worker sleeps on a futex (wake_). It counts itself in
// sleepers_ before re-checking the epoch; the caller stores the epoch before it reads sleepers_, both sequentially
// consistent, so either the worker sees the new job or the caller sees the sleeper and wakes it.
#include "kernel_pool.h"

#include <ATen/Parallel.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace st {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void futex_wait(std::atomic<uint32_t>* address, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(address), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>* address) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(address), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// slot_ layout: bits 0-15 workers inside the current job, bit 16 "open", bits 17-63 the job's epoch.
constexpr uint64_t kOpen = uint64_t{1} << 16;
constexpr uint64_t kInsideMask = kOpen - 1;
constexpr int kEpochShift = 17;

int64_t initial_spin_us() {
  const char* env = std::getenv("SELFSPEC_KERNEL_SPIN_US");
  if (env == nullptr || *env == 0) return 200;
  return std::max<int64_t>(0, std::atoll(env));
}

std::atomic<int64_t> g_spin_us{initial_spin_us()};
thread_local bool t_in_pool_job = false;

struct Job {
  ChunkFn fn = nullptr;
  const void* context = nullptr;
  int64_t begin = 0, end = 0, chunk = 1, chunks = 0;
  int helpers = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex error_mutex;
  std::exception_ptr error;
};

class Pool {
 public:
  // Never destroyed: sleeping workers outlive static destruction at process exit.
  static Pool& instance() {
    static Pool* pool = new Pool();
    return *pool;
  }

  void run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn, const void* context) {
    const int64_t n = end - begin;
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    const int threads = t_in_pool_job ? 1 : std::min(at::get_num_threads(), static_cast<int>(kInsideMask));
    if (threads <= 1 || n <= grain || busy_.test_and_set(std::memory_order_acquire)) {
      fn(context, begin, end);
      return;
    }
    ensure_workers(threads - 1);
    job_.fn = fn;
    job_.context = context;
    job_.begin = begin;
    job_.end = end;
    job_.chunk = std::max<int64_t>(grain, (n + threads * 8 - 1) / (threads * 8));
    job_.chunks = (n + job_.chunk - 1) / job_.chunk;
    job_.helpers = threads - 1;
    job_.next.store(0, std::memory_order_relaxed);
    job_.done.store(0, std::memory_order_relaxed);
    job_.error = nullptr;

    const uint64_t epoch = ++epoch_;
    slot_.store((epoch << kEpochShift) | kOpen, std::memory_order_seq_cst);
    wake_.store(static_cast<uint32_t>(epoch), std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(&wake_);

    t_in_pool_job = true;
    work();
    t_in_pool_job = false;
    while (job_.done.load(std::memory_order_acquire) < job_.chunks) cpu_relax();
    uint64_t s = slot_.load(std::memory_order_relaxed);
    while (!slot_.compare_exchange_weak(s, s & ~kOpen, std::memory_order_acq_rel)) {
    }
    while (slot_.load(std::memory_order_acquire) & kInsideMask) cpu_relax();

    std::exception_ptr error = std::move(job_.error);
    job_.error = nullptr;
    busy_.clear(std::memory_order_release);
    if (error) std::rethrow_exception(error);
  }

 private:
  Pool() = default;

  void ensure_workers(int count) {
    while (static_cast<int>(workers_) < count) {
      const int index = workers_++;
      std::thread([this, index] { worker_main(index); }).detach();
    }
  }

  void work() {
    for (;;) {
      const int64_t c = job_.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job_.chunks) return;
      const int64_t b = job_.begin + c * job_.chunk;
      const int64_t e = std::min(job_.end, b + job_.chunk);
      try {
        job_.fn(job_.context, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(job_.error_mutex);
        if (!job_.error) job_.error = std::current_exception();
      }
      job_.done.fetch_add(1, std::memory_order_release);
    }
  }

  void worker_main(int index) {
    t_in_pool_job = true;  // a kernel called from a chunk runs inline
    uint64_t seen = 0;
    for (;;) {
      uint64_t s = wait_for_new_epoch(seen);
      seen = s >> kEpochShift;
      bool entered = false;
      while ((s & kOpen) && (s >> kEpochShift) == seen) {
        if (slot_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
          entered = true;
          break;
        }
      }
      if (!entered) continue;
      if (index < job_.helpers) work();
      slot_.fetch_sub(1, std::memory_order_release);
    }
  }

  uint64_t wait_for_new_epoch(uint64_t seen) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(g_spin_us.load(std::memory_order_relaxed));
    for (uint32_t i = 1;; ++i) {
      const uint64_t s = slot_.load(std::memory_order_acquire);
      if ((s >> kEpochShift) != seen) return s;
      if ((i & 63) == 0 && std::chrono::steady_clock::now() >= deadline) break;
      cpu_relax();
    }
    for (;;) {
      const uint32_t w = wake_.load(std::memory_order_seq_cst);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      uint64_t s = slot_.load(std::memory_order_seq_cst);
      if ((s >> kEpochShift) == seen) futex_wait(&wake_, w);
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
      s = slot_.load(std::memory_order_acquire);
      if ((s >> kEpochShift) != seen) return s;
    }
  }

  std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  uint64_t epoch_ = 0;  // only touched by the caller holding busy_
  std::atomic<int> workers_{0};
  Job job_;
  std::atomic<uint64_t> slot_{0};
  std::atomic<uint32_t> wake_{0};
  std::atomic<int> sleepers_{0};
};

}  // namespace

void parallel_run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn, const void* context) {
  Pool::instance().run(begin, end, grain, fn, context);
}

void set_spin_microseconds(int64_t us) { g_spin_us.store(std::max<int64_t>(0, us), std::memory_order_relaxed); }

int64_t spin_microseconds() { return g_spin_us.load(std::memory_order_relaxed); }

}  // namespace st
