// Library-wide settings and facts: version, threads, CUDA, manual seed.
#include "kernel_pool.h"
#include "shim.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#ifdef SELFSPEC_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

// libtorch's CPU allocator takes every tensor from malloc. glibc serves blocks above its mmap threshold (128 KiB,
// rising only as far as the largest block freed so far) with a fresh mmap and returns them with munmap, and trims the
// heap top above 128 KiB, so the activations of every forward and backward pass were page-faulted and zeroed by the
// kernel again each step: ~7% of the samples of a generation run and ~5% of a training run were page faults. Keeping
// blocks up to 64 MiB in the heap and trimming only above 256 MiB (now 1 GiB: a batch's KV cache is larger) cut the
// page faults of a bootstrap training run from 386k to 160k and its step time by ~10% (0.395 -> 0.357 s).
//
// Threads other than the main one get arenas of their own, heaps of at most 64 MiB that are mapped and unmapped as
// they grow and shrink, whatever the thresholds: the serving engine's decode thread composes KV caches of tens to
// hundreds of MiB, and every new one was page-faulted afresh (a 32-row cache of 528 MiB took 870 ms to allocate and
// fill, 16 ms with one arena; `cache changes` in bench/serving fell from 0.20 to 0.07–0.15 s per 8-client run and to
// 0.07 s at 1 client). So one arena for all threads: tensors are allocated by few threads (the decode thread, the
// pipeline's stage; the kernel pool never), so its lock is not contended. This limits the arenas made after the shim
// loads; a thread that joins one made earlier (the .NET runtime's threads make some) keeps it, which only
// MALLOC_ARENA_MAX=1 at process start rules out: the `selfspec` launcher sets it for `selfspec serve`.
// Not applied when the user set glibc's own MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ or
// SELFSPEC_MALLOC_TUNING=0.
__attribute__((constructor)) static void tune_malloc_for_tensors() {
#ifdef __GLIBC__
  const char* off = std::getenv("SELFSPEC_MALLOC_TUNING");
  if (off != nullptr && std::string(off) == "0") return;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 64 << 20);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

static int32_t copy_string(const std::string& s, char* buf, int32_t capacity) {
  int32_t n = static_cast<int32_t>(s.size());
  if (buf && capacity > 0) {
    int32_t m = n < capacity - 1 ? n : capacity - 1;
    std::memcpy(buf, s.data(), static_cast<size_t>(m));
    buf[m] = 0;
  }
  return n;
}

ST_API int32_t st_version(char* buf, int32_t capacity) { return copy_string(TORCH_VERSION, buf, capacity); }
ST_API int32_t st_build_config(char* buf, int32_t capacity) { return copy_string(at::show_config(), buf, capacity); }
ST_API int32_t st_parallel_info(char* buf, int32_t capacity) { return copy_string(at::get_parallel_info(), buf, capacity); }

ST_API void st_set_num_threads(int32_t n) { at::set_num_threads(n); }
ST_API int32_t st_get_num_threads() { return at::get_num_threads(); }

// How many threads the shim's own kernels (kernel_pool.h) split a range over when called from this thread, counted by
// running a job and seeing which threads take part. Each chunk waits (up to 2 s) until as many threads as
// at::get_num_threads() have joined, so a worker that wakes slowly on a loaded machine is still counted.
ST_API int32_t st_shim_parallel_threads() {
  const size_t expected = static_cast<size_t>(std::max(1, at::get_num_threads()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<size_t> count{0};
  st::parallel_for(0, 64, 1, [&](int64_t, int64_t) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
      count.store(seen.size());
    }
    while (count.load() < expected && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  return static_cast<int32_t>(seen.size());
}

// How long (µs) the kernel pool's idle workers spin before they sleep (SELFSPEC_KERNEL_SPIN_US, default 200).
ST_API void st_kernel_pool_set_spin_us(int64_t us) { st::set_spin_microseconds(us); }
ST_API int64_t st_kernel_pool_spin_us() { return st::spin_microseconds(); }

ST_API int32_t st_shim_has_cuda() {
#ifdef SELFSPEC_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

ST_API int32_t st_cuda_device_count() {
  try {
    return static_cast<int32_t>(at::globalContext().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
  } catch (...) {
    st::record_current_exception();
    return 0;
  }
}

ST_API int32_t st_cuda_device_name(int32_t idx, char* buf, int32_t capacity) {
#ifdef SELFSPEC_WITH_CUDA
  try {
    return copy_string(at::cuda::getDeviceProperties(idx)->name, buf, capacity);
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
#else
  st::set_error(st::kNotImplemented, "this shim was built without CUDA");
  return -1;
#endif
}

ST_API int64_t st_cuda_total_memory(int32_t idx) {
#ifdef SELFSPEC_WITH_CUDA
  try {
    return static_cast<int64_t>(at::cuda::getDeviceProperties(idx)->totalGlobalMem);
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
#else
  return -1;
#endif
}

ST_API int32_t st_cuda_synchronize(int32_t idx) {
#ifdef SELFSPEC_WITH_CUDA
  ST_STATUS({
    c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(idx));
    C10_CUDA_CHECK(cudaDeviceSynchronize());
  })
#else
  return 0;
#endif
}

ST_API int32_t st_cuda_empty_cache() {
#ifdef SELFSPEC_WITH_CUDA
  ST_STATUS(c10::cuda::CUDACachingAllocator::emptyCache();)
#else
  return 0;
#endif
}

ST_API void st_manual_seed(uint64_t seed) { at::manual_seed(seed); }
