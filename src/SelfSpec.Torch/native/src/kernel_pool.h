// The thread pool of the shim's own kernels (LinearRows, decode attention, the fused norms).
//
// Why not at::parallel_for: libtorch's OpenMP pool is told to let idle threads sleep (OMP_WAIT_POLICY=PASSIVE, so
// that they do not steal the cores of a shared machine), and waking a sleeping worker costs ~140 µs on the machines
// measured here, longer than one projection of a decode step (a 2048 x 768 projection at 8 rows takes ~140 µs on two
// cores). The worker then joined too late to help: two threads were no faster than one. These workers instead spin
// for a short, bounded time after each job (st_kernel_pool_set_spin_us, default 200 µs) before they sleep, so during
// a decode step, whose kernels follow each other tens of µs apart, they are awake, and between steps they sleep.
// Work is handed out in chunks claimed from a shared counter, so a worker that wakes late only takes fewer chunks;
// each chunk is computed the same way whoever runs it, so results never depend on the split.
#pragma once

#include <cstdint>

namespace st {

using ChunkFn = void (*)(const void* context, int64_t begin, int64_t end);

// Calls fn(context, b, e) over disjoint sub-ranges covering [begin, end), each at least `grain` long (but the last),
// on the calling thread and up to at::get_num_threads() - 1 pool workers. Runs inline when the range is one chunk,
// when the pool is busy with another caller's job, or when called from a pool worker. The first exception a chunk
// throws is rethrown on the calling thread once every chunk has finished.
void parallel_run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn, const void* context);

template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  parallel_run(begin, end, grain, [](const void* c, int64_t b, int64_t e) { (*static_cast<const F*>(c))(b, e); }, &f);
}

// How long (µs) an idle worker spins waiting for the next job before it sleeps; 0 sleeps at once.
void set_spin_microseconds(int64_t us);
int64_t spin_microseconds();

}  // namespace st
