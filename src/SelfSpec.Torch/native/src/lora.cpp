// LoRA adapters applied unmerged, per row: y[m] += s·B·(A·x[m]) with the A [r, in], B [out, r] and scale s of row m's
// adapter (PEFT's lora_B(lora_A(x)) · scaling), several adapters and rows without one in the same call.
//
// Done with libtorch ops this was, per projection, a linear with A, a linear with B and an add (three dispatches and
// allocations; more with a mask when the batch mixes adapters) for each of the 84 projections of a 12-layer model's
// decode step, and the adapter rows could not take the fused decode layer. The work itself
// is small (rank 8 is ~3% of a projection's multiply-adds), so the op-by-op path cost more in dispatch than in
// arithmetic. Here both products run over raw buffers, and where the projection is a tiled one (the fused decode layer,
// and the prefill's projections through st_tiled_linear_group_lora) inside its parallel region (LoraInLinear): the
// products with A as the region's first items, those with B for each block of outputs right after its projection.
// Once they ran after each group of projections on the calling thread alone (a separate pool job per update stalled
// on a busy machine), leaving the second core idle for that part of every decode step; and in a prefill of ~100 rows
// each update was below the size that goes to the pool. st_lora_update does the same products for one projection of
// any other input. Every path computes each output the same way, so an adapter row gets the same bits on all of them.
//
// Exactness: every output is one fixed sequence of float operations of its own row's input and adapter, AVX2 code on
// every ISA (the work is too small for AVX-512 to matter), so it depends neither on the batch, the other rows'
// adapters, the thread count nor SELFSPEC_KERNEL_ISA.
#include "lora.h"

#include "kernel_pool.h"
#include "kernels.h"
#include "simd_math.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#define ST_AVX2 __attribute__((target("avx2,fma")))

namespace {

using st::kernels::LoraMatrices;
using st::kernels::LoraRows;
using st::kernels::LoraTarget;

// Below this many multiply-adds a product runs on the calling thread: a decode step's LoRA work per projection group
// (8 rows, rank 8: ~0.1–0.3 M) takes a few µs, about what handing it to the pool's workers costs, and on a busy machine a
// worker that is descheduled mid-job stalls the caller for a time slice (measured: 2.5x slower than one thread at load
// 15 on two cores). Prefill's many rows go parallel.
constexpr int64_t kParallelWork = int64_t{1} << 20;

// Runs f(begin, end) over [begin, end): on the kernel pool when the work is large, else on this thread. The items are
// computed the same way either way.
template <typename F>
void run_items(int64_t items, int64_t work, const F& f) {
  if (work >= kParallelWork)
    st::parallel_for(0, items, 1, f);
  else if (items > 0)
    f(0, items);
}

// Outputs per work item of the products with B: a block of B's rows (128 x rank floats) stays in L1 for all the rows of
// its adapter.
constexpr int64_t kOutputBlock = 128;

// The first n (≤ 8) lanes set, for masked loads and stores.
ST_AVX2 inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// low[r·low_stride + j] = A[j]·x_r for R consecutive rows of A and X rows of x (x_stride apart), each on its own 8-lane
// accumulator over x in order (the K tail through masked loads, zeros in the lanes past K), then summed across lanes.
// R and X only set how many independent sums share the loop (X rows of one adapter load each part of A once); every
// sum is the same sequence whatever R and X.
template <int R, int X>
ST_AVX2 void shrink_rows(const float* x, int64_t x_stride, int64_t K, const float* a, float* low, int64_t low_stride) {
  __m256 acc[X][R];
#pragma GCC unroll 8
  for (int r = 0; r < X; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) acc[r][j] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= K; i += 8) {
    __m256 xv[X];
#pragma GCC unroll 8
    for (int r = 0; r < X; ++r) xv[r] = _mm256_loadu_ps(x + r * x_stride + i);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const __m256 av = _mm256_loadu_ps(a + j * K + i);
#pragma GCC unroll 8
      for (int r = 0; r < X; ++r) acc[r][j] = _mm256_fmadd_ps(av, xv[r], acc[r][j]);
    }
  }
  if (i < K) {
    const __m256i m = first_lanes(K - i);
    __m256 xv[X];
#pragma GCC unroll 8
    for (int r = 0; r < X; ++r) xv[r] = _mm256_maskload_ps(x + r * x_stride + i, m);
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) {
      const __m256 av = _mm256_maskload_ps(a + j * K + i, m);
#pragma GCC unroll 8
      for (int r = 0; r < X; ++r) acc[r][j] = _mm256_fmadd_ps(av, xv[r], acc[r][j]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < X; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < R; ++j) low[r * low_stride + j] = st::simd::hsum(acc[r][j]);
}

// low[r·low_stride .. + rank) = A·x_r for X rows of x (x_stride apart) of one adapter.
template <int X>
void shrink(const float* x, int64_t x_stride, int64_t K, const float* a, int64_t rank, float* low, int64_t low_stride) {
  int64_t j = 0;
  for (; j + 4 <= rank; j += 4) shrink_rows<4, X>(x, x_stride, K, a + j * K, low + j, low_stride);
  for (; j < rank; ++j) shrink_rows<1, X>(x, x_stride, K, a + j * K, low + j, low_stride);
}

// The lane sums of p[0 .. 8) as one vector: lane j = ((p_j0 + p_j1) + (p_j2 + p_j3)) + ((p_j4 + p_j5) + (p_j6 + p_j7)).
ST_AVX2 inline __m256 lane_sums(const __m256 (&p)[8]) {
  const __m256 t0 = _mm256_hadd_ps(p[0], p[1]), t1 = _mm256_hadd_ps(p[2], p[3]);
  const __m256 t2 = _mm256_hadd_ps(p[4], p[5]), t3 = _mm256_hadd_ps(p[6], p[7]);
  const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// Eight (FULL: else the first `width`) outputs starting at n: y[n + j] = fma(B[n + j]·low, scale, y[n + j]), each dot
// product over the rank in 8-lane chunks and then lane_sums. A rank that is not a multiple of 8 ends in a masked chunk
// (zeros in the lanes past it); a partial block computes each of its outputs exactly as a full one would.
template <bool FULL, bool WHOLE_CHUNKS>
ST_AVX2 void expand_block(const float* b, int64_t rank, const float* low, __m256 scale, float* y, int64_t n, int64_t width) {
  __m256 p[8];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) p[j] = _mm256_setzero_ps();
  for (int64_t k = 0; k < rank; k += 8) {
    const __m256i m = WHOLE_CHUNKS ? _mm256_set1_epi32(-1) : first_lanes(std::min<int64_t>(8, rank - k));
    const __m256 lv = WHOLE_CHUNKS ? _mm256_loadu_ps(low + k) : _mm256_maskload_ps(low + k, m);
    if constexpr (FULL) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        const float* bj = b + (n + j) * rank + k;
        p[j] = _mm256_fmadd_ps(WHOLE_CHUNKS ? _mm256_loadu_ps(bj) : _mm256_maskload_ps(bj, m), lv, p[j]);
      }
    } else {
      for (int j = 0; j < width; ++j) {
        const float* bj = b + (n + j) * rank + k;
        p[j] = _mm256_fmadd_ps(WHOLE_CHUNKS ? _mm256_loadu_ps(bj) : _mm256_maskload_ps(bj, m), lv, p[j]);
      }
    }
  }
  const __m256 sums = lane_sums(p);
  if constexpr (FULL) {
    _mm256_storeu_ps(y + n, _mm256_fmadd_ps(sums, scale, _mm256_loadu_ps(y + n)));
  } else {
    const __m256i m = first_lanes(width);
    _mm256_maskstore_ps(y + n, m, _mm256_fmadd_ps(sums, scale, _mm256_maskload_ps(y + n, m)));
  }
}

template <bool WHOLE_CHUNKS>
ST_AVX2 void expand_rows(const float* b, int64_t rank, const float* low, float scale, float* y, int64_t n0, int64_t n1) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t n = n0;
  for (; n + 8 <= n1; n += 8) expand_block<true, WHOLE_CHUNKS>(b, rank, low, s, y, n, 8);
  if (n < n1) expand_block<false, WHOLE_CHUNKS>(b, rank, low, s, y, n, n1 - n);
}

// y[n0 .. n1) += scale · B[n0 .. n1)·low for one row (the same arithmetic whether the rank is a multiple of 8 or not:
// whole chunks only skip the masks).
void expand(const float* b, int64_t rank, const float* low, float scale, float* y, int64_t n0, int64_t n1) {
  if (rank % 8 == 0)
    expand_rows<true>(b, rank, low, scale, y, n0, n1);
  else
    expand_rows<false>(b, rank, low, scale, y, n0, n1);
}

}  // namespace

namespace st::kernels {

LoraInLinear::LoraInLinear(const float* x, int64_t M, int64_t K, const LoraTarget* targets, int target_count, const LoraRows& rows)
    : x_(x), M_(M), K_(K), targets_(targets), count_(target_count), rows_(rows) {
  TORCH_CHECK(tiled_linear_available(), "lora: needs a CPU with AVX2 and FMA");
  TORCH_CHECK(target_count >= 1 && target_count <= kLinearMaxGroup && M >= 1 && rows.rows_per_index >= 1, "lora: ", target_count, " targets x ", M,
              " rows is out of range");
  low_offset_[0] = 0;
  if (rows.count == 0) {
    for (int t = 0; t < target_count; ++t) low_offset_[t + 1] = 0, max_rank_[t] = 0;
    return;
  }
  const int64_t indices = (M + rows.rows_per_index - 1) / rows.rows_per_index;
  thread_local std::vector<char> present;
  present.assign(static_cast<size_t>(rows.count), 0);
  for (int64_t i = 0; i < indices; ++i)
    if (rows.adapter_of_row[i] >= 0) present[static_cast<size_t>(rows.adapter_of_row[i])] = 1;

  // Scratch for A·x: per target M rows of its largest rank.
  for (int t = 0; t < target_count; ++t) {
    max_rank_[t] = 0;
    for (int a = 0; a < rows.count; ++a)
      if (present[a] && targets[t].adapters[a].a) max_rank_[t] = std::max(max_rank_[t], targets[t].adapters[a].rank);
    low_offset_[t + 1] = low_offset_[t] + M * max_rank_[t];
  }
  if (low_offset_[target_count] == 0) return;  // no row's adapter adapts these projections
  thread_local std::vector<float> scratch;
  scratch.resize(static_cast<size_t>(low_offset_[target_count]));
  low_ = scratch.data();  // the workers must use this thread's buffers, not their own thread_local ones
  // The rows grouped by adapter (in order within an adapter; rows without one last), so that the pairs shrink_pair
  // takes share an adapter wherever two rows have the same one, adjacent or not: a decode step's rows come in any order.
  thread_local std::vector<int64_t> order;
  order.clear();
  for (int a = 0; a < rows.count; ++a)
    if (present[static_cast<size_t>(a)])
      for (int64_t m = 0; m < M; ++m)
        if (adapter_of(m) == a) order.push_back(m);
  for (int64_t m = 0; m < M; ++m)
    if (adapter_of(m) < 0) order.push_back(m);
  order_ = order.data();
  empty_ = false;
  extra_.before_items = shrink_items();
  extra_.before = [](const void* self, int64_t item) { static_cast<const LoraInLinear*>(self)->shrink_item(item); };
  extra_.after = [](const void* self, int t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    for (int64_t m = m0; m < m1; ++m) static_cast<const LoraInLinear*>(self)->expand_row(t, m, n0, n1);
  };
  extra_.prepare = [](const void* self, int t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    static_cast<const LoraInLinear*>(self)->prefetch_expand(t, m0, m1, n0, n1);
  };
  extra_.context = this;
}

const LoraMatrices* LoraInLinear::matrices(int t, int64_t m) const {
  const int32_t a = adapter_of(m);
  if (a < 0) return nullptr;
  const LoraMatrices* am = &targets_[t].adapters[a];
  return am->a ? am : nullptr;
}

void LoraInLinear::shrink_item(int64_t item) const {
  const int64_t pairs = (M_ + 1) / 2, per_item = pairs_per_item(), items = (pairs + per_item - 1) / per_item;
  const int t = static_cast<int>(item / items);
  const int64_t p0 = item % items * per_item;
  for (int64_t p = p0; p < std::min(pairs, p0 + per_item); ++p) shrink_pair(t, p);
}

void LoraInLinear::shrink_pair(int t, int64_t p) const {
  const int64_t m = order_[2 * p];
  const int64_t n = 2 * p + 1 < M_ ? order_[2 * p + 1] : -1;
  const LoraMatrices* first = matrices(t, m);
  const LoraMatrices* second = n >= 0 ? matrices(t, n) : nullptr;
  const int64_t stride = max_rank_[t];
  float* low = low_ + low_offset_[t] + m * stride;
  if (first && second && first->a == second->a) {
    // Row n is (n − m) rows after row m in x and in low (order_ keeps rows of one adapter ascending).
    shrink<2>(x_ + m * K_, (n - m) * K_, K_, first->a, first->rank, low, (n - m) * stride);
    return;
  }
  if (first) shrink<1>(x_ + m * K_, K_, K_, first->a, first->rank, low, stride);
  if (second) shrink<1>(x_ + n * K_, K_, K_, second->a, second->rank, low_ + low_offset_[t] + n * stride, stride);
}

void LoraInLinear::prefetch_expand(int t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) const {
  const float* done[kLinearMaxRows];  // the B matrices prefetched already (rows of one adapter share theirs)
  int count = 0;
  for (int64_t m = m0; m < m1; ++m) {
    const LoraMatrices* am = matrices(t, m);
    if (!am || std::find(done, done + count, am->b) != done + count) continue;
    if (count < kLinearMaxRows) done[count++] = am->b;
    const char* begin = reinterpret_cast<const char*>(am->b + n0 * am->rank);
    const char* end = reinterpret_cast<const char*>(am->b + n1 * am->rank);
    for (const char* p = begin; p < end; p += 64) _mm_prefetch(p, _MM_HINT_T1);
  }
}

void LoraInLinear::expand_row(int t, int64_t m, int64_t n0, int64_t n1) const {
  if (const LoraMatrices* am = matrices(t, m))
    expand(am->b, am->rank, low_ + low_offset_[t] + m * max_rank_[t], rows_.scales[adapter_of(m)], targets_[t].y + m * targets_[t].N, n0, n1);
}

void lora_update(const float* x, int64_t M, int64_t K, const LoraTarget* targets, int target_count, const LoraRows& rows) {
  const LoraInLinear plan(x, M, K, targets, target_count, rows);
  if (!plan.extra()) return;

  int64_t shrink_work = 0, expand_work = 0;
  for (int t = 0; t < target_count; ++t)
    for (int64_t m = 0; m < M; ++m)
      if (const LoraMatrices* am = plan.matrices(t, m)) {
        shrink_work += am->rank * K;
        expand_work += am->rank * targets[t].N;
      }
  run_items(plan.shrink_items(), shrink_work, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) plan.shrink_item(w);
  });

  // Work items of the products with B: (target, adapter) pairs with rows, each cut into blocks of outputs.
  struct Pair {
    int t, a;
    int64_t first_item;
  };
  std::vector<Pair> pairs;
  int64_t items = 0;
  for (int t = 0; t < target_count; ++t)
    for (int a = 0; a < rows.count; ++a) {
      if (!targets[t].adapters[a].a) continue;
      bool used = false;
      for (int64_t m = 0; m < M && !used; m += rows.rows_per_index) used = plan.adapter_of(m) == a;
      if (!used) continue;
      pairs.push_back({t, a, items});
      items += (targets[t].N + kOutputBlock - 1) / kOutputBlock;
    }
  run_items(items, expand_work, [&](int64_t w0, int64_t w1) {
    size_t p = 0;
    for (int64_t w = w0; w < w1; ++w) {
      while (p + 1 < pairs.size() && w >= pairs[p + 1].first_item) ++p;
      const LoraTarget& target = targets[pairs[p].t];
      const int64_t n0 = (w - pairs[p].first_item) * kOutputBlock, n1 = std::min(target.N, n0 + kOutputBlock);
      for (int64_t m = 0; m < M; ++m)
        if (plan.adapter_of(m) == pairs[p].a) plan.expand_row(pairs[p].t, m, n0, n1);
    }
  });
}

void check_lora_matrices(const char* what, const char* projection, int count, Tensor* const* a, Tensor* const* b, int64_t K, int64_t N,
                         LoraMatrices* matrices) {
  for (int i = 0; i < count; ++i) {
    TORCH_CHECK((a[i] == nullptr) == (b[i] == nullptr), what, ": adapter ", i, " has ", a[i] ? "A" : "B", " but not ", a[i] ? "B" : "A", " for ",
                projection);
    if (!a[i]) {
      matrices[i] = LoraMatrices{nullptr, nullptr, 0};
      continue;
    }
    const at::Tensor& at_a = *a[i];
    const at::Tensor& at_b = *b[i];
    const int64_t rank = at_a.dim() == 2 ? at_a.size(0) : -1;
    TORCH_CHECK(at_a.dim() == 2 && rank >= 1 && at_a.size(1) == K, what, ": adapter ", i, "'s A for ", projection, " must be [rank, ", K, "], got ",
                at_a.sizes());
    TORCH_CHECK(at_b.dim() == 2 && at_b.size(0) == N && at_b.size(1) == rank, what, ": adapter ", i, "'s B for ", projection, " must be [", N, ", ", rank,
                "] (A has rank ", rank, "), got ", at_b.sizes());
    for (const at::Tensor* m : {&at_a, &at_b}) {
      const char* name = m == &at_a ? "A" : "B";
      TORCH_CHECK(m->scalar_type() == at::kFloat && m->device().is_cpu() && m->is_contiguous(), what, ": adapter ", i, "'s ", name, " for ", projection,
                  " must be a contiguous float32 CPU tensor, got ", m->scalar_type(), " on ", m->device());
      TORCH_CHECK(!(at::GradMode::is_enabled() && m->requires_grad()), what, " is not differentiable; call it under no-grad");
    }
    matrices[i] = LoraMatrices{at_a.data_ptr<float>(), at_b.data_ptr<float>(), rank};
  }
}

void check_lora_rows(const char* what, int count, const double* scales, const int32_t* adapter_of_row, int64_t rows, float* scales_out) {
  TORCH_CHECK(count >= 0, what, ": ", count, " adapters");
  if (count == 0) return;
  TORCH_CHECK(scales && adapter_of_row, what, ": the adapters' scales and the rows' adapter indices are required");
  for (int i = 0; i < count; ++i) {
    TORCH_CHECK(std::isfinite(scales[i]), what, ": adapter ", i, "'s scale is ", scales[i]);
    scales_out[i] = static_cast<float>(scales[i]);
  }
  for (int64_t r = 0; r < rows; ++r)
    TORCH_CHECK(adapter_of_row[r] >= -1 && adapter_of_row[r] < count, what, ": row ", r, "'s adapter index ", adapter_of_row[r], " is out of range (",
                count, " adapters; -1 for none)");
}

}  // namespace st::kernels

// y [rows, ..., N] float32 (contiguous, updated in place) += for each row r (and all its positions) the update of
// adapter adapter_of_row[r] (−1: none) from x [rows, ..., K]: scales[i]·B_i·(A_i·x) with a[i] [rank_i, K] and b[i]
// [N, rank_i] float32 (both null: adapter i does not adapt this projection).
ST_API int32_t st_lora_update(Tensor* yp, Tensor* xp, int32_t count, Tensor** a, Tensor** b, const double* scales, const int32_t* adapter_of_row,
                              int64_t rows) {
  ST_STATUS({
    namespace k = st::kernels;
    TORCH_CHECK(k::tiled_linear_available(), "lora_update: needs a CPU with AVX2 and FMA");
    at::Tensor& y = *yp;
    const at::Tensor& x0 = *xp;
    TORCH_CHECK(y.scalar_type() == at::kFloat && y.device().is_cpu() && y.is_contiguous() && y.dim() >= 1, "lora_update: the output must be a contiguous float32 CPU tensor, got ",
                y.scalar_type(), " ", y.sizes());
    TORCH_CHECK(x0.scalar_type() == at::kFloat && x0.device().is_cpu() && x0.dim() == y.dim(), "lora_update: the input must be a float32 CPU tensor shaped like the output but for its last dimension, got ",
                x0.sizes(), " for output ", y.sizes());
    TORCH_CHECK(!(at::GradMode::is_enabled() && (y.requires_grad() || x0.requires_grad())), "lora_update is not differentiable; call it under no-grad");
    const int64_t K = x0.size(-1), N = y.size(-1);
    TORCH_CHECK(K >= 1 && N >= 1 && x0.numel() / K == y.numel() / N, "lora_update: input ", x0.sizes(), " and output ", y.sizes(), " hold different rows");
    const int64_t M = y.numel() / N;
    TORCH_CHECK(rows >= 1 && M % rows == 0 && (y.dim() == 1 ? rows == 1 : y.size(0) == rows), "lora_update: ", rows, " adapter indices for an output of ",
                y.sizes());
    std::vector<float> fscales(static_cast<size_t>(std::max(count, 0)));
    k::check_lora_rows("lora_update", count, scales, adapter_of_row, rows, fscales.data());
    if (count == 0) return 0;
    std::vector<k::LoraMatrices> matrices(static_cast<size_t>(count));
    k::check_lora_matrices("lora_update", "the projection", count, a, b, K, N, matrices.data());
    const at::Tensor x = x0.contiguous();
    const k::LoraTarget target{y.data_ptr<float>(), N, matrices.data()};
    k::lora_update(x.data_ptr<float>(), M, K, &target, 1, k::LoraRows{adapter_of_row, M / rows, count, fscales.data()});
  })
}

// outputs[i] = x·Wᵢᵀ + biases[i] as st_tiled_linear_group computes them, and then for each row r (of x's first
// dimension, all its positions) the update of adapter adapter_of_row[r] (−1: none) added as st_lora_update adds it to
// each output (the same bits), in one parallel region: the products with A before the projections, those with B
// block by block after them. lora_a and lora_b: [count x lora_count], target-major (entry i·lora_count + j is adapter
// j's matrix for weight i, both null where it does not adapt it).
ST_API int32_t st_tiled_linear_group_lora(Tensor* xp, int32_t count, Tensor** tiled, const int64_t* out_features, Tensor** biases, Tensor** outputs,
                                          int32_t lora_count, Tensor** lora_a, Tensor** lora_b, const double* scales, const int32_t* adapter_of_row,
                                          int64_t rows) {
  ST_STATUS({
    namespace k = st::kernels;
    auto group = k::tiled_group(xp, count, tiled, out_features, biases);
    const at::Tensor& x0 = *xp;
    TORCH_CHECK(rows >= 1 && group.M % rows == 0 && (x0.dim() == 1 ? rows == 1 : x0.size(0) == rows), "tiled_linear: ", rows,
                " adapter indices for an input of ", x0.sizes());
    TORCH_CHECK(lora_count == 0 || (lora_a && lora_b), "tiled_linear: ", lora_count, " adapters but no matrices");
    std::vector<float> fscales(static_cast<size_t>(std::max(lora_count, 0)));
    k::check_lora_rows("tiled_linear", lora_count, scales, adapter_of_row, rows, fscales.data());
    std::vector<k::LoraMatrices> matrices(static_cast<size_t>(count) * static_cast<size_t>(std::max(lora_count, 0)));
    k::LoraTarget targets[k::kLinearMaxGroup];
    for (int32_t i = 0; i < count && lora_count > 0; ++i) {
      const std::string name = "weight " + std::to_string(i);
      k::check_lora_matrices("tiled_linear", name.c_str(), lora_count, lora_a + i * lora_count, lora_b + i * lora_count, group.K, out_features[i],
                             matrices.data() + i * lora_count);
      targets[i] = k::LoraTarget{group.targets[i].y, out_features[i], matrices.data() + i * lora_count};
    }
    const float* x = group.x.data_ptr<float>();
    if (lora_count == 0) {
      k::tiled_linear(x, group.M, group.K, group.targets, count, group.bf16);
    } else {
      const k::LoraInLinear updates(x, group.M, group.K, targets, count, k::LoraRows{adapter_of_row, group.M / rows, lora_count, fscales.data()});
      k::tiled_linear(x, group.M, group.K, group.targets, count, group.bf16, updates.extra());
    }
    for (int32_t i = 0; i < count; ++i) outputs[i] = st::wrap(std::move(group.ys[i]));
  })
}
