// Linear layer over a weight stored in tiles of 16 output features: y = x·Wᵀ + b, for decode steps and prefill alike.
//
// Layout: W [N, K] becomes T [⌈N/16⌉, K, 16] with T[t, k, r] = W[16t + r, k] (rows past N are zero). For each k the 16
// weights of a tile are one 64-byte vector, so the kernel multiplies it by x[i, k] broadcast and accumulates 16 outputs
// per register: no horizontal reductions at the end, and each tile is one sequential stream through memory, which the
// hardware prefetcher follows well. The row-major kernel (linear_rows.cpp) must instead dot each weight row with each
// input row and reduce 16 lanes per output, and it reads three weight rows at once. Measured on the 2-core AMD EPYC
// (Zen 4) VM, one thread, 8 rows: 57–59 GFMA/s on a 2048 x 768 weight (the row-major kernel: 29), 21 GB/s streaming the
// 32000 x 768 lm_head from memory (row-major: 11).
//
// Many rows (prefill) go in panels of rows sized so that a panel of x and a group of weight tiles stay in L2 together:
// within a panel each group of tiles is read from memory once and then from L2 for every further block of 8 rows. One
// thread reached 55–57 GFMA/s from 64 to 512 rows on a 2048 x 768 weight there, where OpenBLAS's sgemm gave 44–50.
//
// Every output is accumulated in k order on one lane whatever the block of rows, the panel or the split over threads,
// so the result does not depend on the batch size or the thread count. Parallel over (panel, group of tiles) on the
// kernel pool.
#include "kernel_pool.h"
#include "kernels.h"
#include "lora.h"
#include "shim.h"
#include "simd_math.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

// GCC 12's AVX-512 headers trip its own uninitialized-value warnings (_mm512_undefined_* inside the conversions).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace {

using st::kernels::kTile;
using st::kernels::TiledTarget;

// Prefetch distances along a tile's stream: into L1 1 KB ahead and into L2 16 KB ahead (one core keeps too few line
// fetches in flight with the hardware prefetcher alone).
constexpr int64_t kL1PrefetchBytes = 1024;
constexpr int64_t kL2PrefetchBytes = 16384;

#define ST_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))
#define ST_AVX2 __attribute__((target("avx2,fma")))

// MB rows of x against NT consecutive tiles starting at tile t: y[i, 16t .. 16(t + NT)) (clipped to N).
template <int MB, int NT, bool BF16>
ST_AVX512 void block512(const float* x, int64_t K, const TiledTarget& target, int64_t t, float* y) {
  constexpr int64_t kElementBytes = BF16 ? 2 : 4;
  __m512 acc[NT][MB];
#pragma GCC unroll 8
  for (int j = 0; j < NT; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) acc[j][i] = _mm512_setzero_ps();
  const int64_t base = t * K * kTile;
  const char* bytes = static_cast<const char*>(target.w);
  for (int64_t k = 0; k < K; ++k) {
    __m512 wv[NT];
#pragma GCC unroll 8
    for (int j = 0; j < NT; ++j) {
      const int64_t offset = base + (j * K + k) * kTile;
      wv[j] = st::simd::load16<BF16>(target.w, offset);
      // One request per 64-byte line: every k for f32 rows, every other k for bf16 rows.
      if (!BF16 || k % 2 == 0) {
        _mm_prefetch(bytes + offset * kElementBytes + kL1PrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(bytes + offset * kElementBytes + kL2PrefetchBytes, _MM_HINT_T1);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) {
      const __m512 xb = _mm512_set1_ps(x[i * K + k]);
#pragma GCC unroll 8
      for (int j = 0; j < NT; ++j) acc[j][i] = _mm512_fmadd_ps(wv[j], xb, acc[j][i]);
    }
  }
  const int64_t N = target.N;
#pragma GCC unroll 8
  for (int j = 0; j < NT; ++j) {
    const int64_t n0 = (t + j) * kTile;
    const int64_t width = std::min<int64_t>(kTile, N - n0);
    const __mmask16 m = width == kTile ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << width) - 1);
    const __m512 b = target.bias ? _mm512_maskz_loadu_ps(m, target.bias + n0) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) _mm512_mask_storeu_ps(y + i * N + n0, m, _mm512_add_ps(acc[j][i], b));
  }
}

// AVX2: MB ≤ 6 rows against one tile over k in [k0, k1), as two 8-lane halves (16 ymm registers hold 2·MB
// accumulators, 2 weights, x). The accumulators come from acc_io (two vectors per row) and go back there, so a tile can
// be taken a chunk of k at a time by every block of rows in turn (tiles256); they start from zero at k0 = 0. Every loop
// over MB is unrolled, the one storing the accumulators too: GCC at -O2 otherwise keeps the array on the stack and
// stores every accumulator on every k (the kernel ran at half speed, bound by those stores).
template <int MB, bool BF16>
ST_AVX2 void block256(const float* x, int64_t K, const TiledTarget& target, int64_t t, int64_t k0, int64_t k1, bool prefetch, float* acc_io) {
  constexpr int64_t kElementBytes = BF16 ? 2 : 4;
  __m256 acc[2][MB];
#pragma GCC unroll 8
  for (int i = 0; i < MB; ++i) {
    acc[0][i] = k0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(acc_io + i * kTile);
    acc[1][i] = k0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(acc_io + i * kTile + 8);
  }
  const int64_t base = t * K * kTile;
  const char* bytes = static_cast<const char*>(target.w);
  for (int64_t k = k0; k < k1; ++k) {
    const int64_t offset = base + k * kTile;
    const __m256 w0 = st::simd::load8<BF16>(target.w, offset), w1 = st::simd::load8<BF16>(target.w, offset + 8);
    if (prefetch && (!BF16 || k % 2 == 0)) {
      _mm_prefetch(bytes + offset * kElementBytes + kL1PrefetchBytes, _MM_HINT_T0);
      _mm_prefetch(bytes + offset * kElementBytes + kL2PrefetchBytes, _MM_HINT_T1);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) {
      const __m256 xb = _mm256_broadcast_ss(x + i * K + k);
      acc[0][i] = _mm256_fmadd_ps(w0, xb, acc[0][i]);
      acc[1][i] = _mm256_fmadd_ps(w1, xb, acc[1][i]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MB; ++i) {
    _mm256_storeu_ps(acc_io + i * kTile, acc[0][i]);
    _mm256_storeu_ps(acc_io + i * kTile + 8, acc[1][i]);
  }
}

// y[i, 16t ..] = acc[i] + bias for M rows (clipped to N).
ST_AVX2 void store256(const float* acc, int64_t M, const TiledTarget& target, int64_t t, float* y) {
  const int64_t N = target.N, n0 = t * kTile, width = std::min<int64_t>(kTile, N - n0);
  if (width == kTile) {  // plain stores: masked ones are slow on AMD's cores
    const __m256 b0 = target.bias ? _mm256_loadu_ps(target.bias + n0) : _mm256_setzero_ps();
    const __m256 b1 = target.bias ? _mm256_loadu_ps(target.bias + n0 + 8) : _mm256_setzero_ps();
    for (int64_t i = 0; i < M; ++i) {
      _mm256_storeu_ps(y + i * N + n0, _mm256_add_ps(_mm256_loadu_ps(acc + i * kTile), b0));
      _mm256_storeu_ps(y + i * N + n0 + 8, _mm256_add_ps(_mm256_loadu_ps(acc + i * kTile + 8), b1));
    }
    return;
  }
  // The last, partial tile: lane masks of the two halves.
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(width)), lane);
  const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(width) - 8), lane);
  const __m256 b0 = target.bias ? _mm256_maskload_ps(target.bias + n0, m0) : _mm256_setzero_ps();
  const __m256 b1 = target.bias ? _mm256_maskload_ps(target.bias + n0 + 8, m1) : _mm256_setzero_ps();
  for (int64_t i = 0; i < M; ++i) {
    _mm256_maskstore_ps(y + i * N + n0, m0, _mm256_add_ps(_mm256_loadu_ps(acc + i * kTile), b0));
    _mm256_maskstore_ps(y + i * N + n0 + 8, m1, _mm256_add_ps(_mm256_loadu_ps(acc + i * kTile + 8), b1));
  }
}

// block256 for 1 .. kMaxRows256 rows, by rows − 1.
constexpr int64_t kMaxRows256 = 6;
using Block256 = void (*)(const float*, int64_t, const TiledTarget&, int64_t, int64_t, int64_t, bool, float*);
template <bool BF16>
constexpr Block256 kBlocks256[kMaxRows256] = {block256<1, BF16>, block256<2, BF16>, block256<3, BF16>,
                                              block256<4, BF16>, block256<5, BF16>, block256<6, BF16>};

// Weights of a tile one chunk of tiles256 covers: 8 KB of float32, which stays in L1 while every block of rows takes it.
constexpr int64_t kChunkK = 128;

// All M rows of x against tiles [t0, t1) of one target with the AVX2 kernel: each tile a chunk of k at a time, every
// block of rows (6 at a time: 12 independent FMA chains hide the FMA latency, which 4 rows' 8 do not quite) taking the
// chunk in turn while it is in L1. Only the first block asks for the weights ahead, so a decode step's tile is one
// stream from memory paced by all its rows' arithmetic.
template <bool BF16>
ST_AVX2 void tiles256(const float* x, int64_t M, int64_t K, const TiledTarget& target, int64_t t0, int64_t t1) {
  thread_local std::vector<float> accumulators;
  if (static_cast<int64_t>(accumulators.size()) < M * kTile) accumulators.resize(static_cast<size_t>(M * kTile));
  float* acc = accumulators.data();
  for (int64_t t = t0; t < t1; ++t) {
    for (int64_t k0 = 0; k0 < K; k0 += kChunkK) {
      const int64_t k1 = std::min(K, k0 + kChunkK);
      for (int64_t m = 0; m < M; m += kMaxRows256) {
        const int64_t rows = std::min(kMaxRows256, M - m);
        kBlocks256<BF16>[rows - 1](x + m * K, K, target, t, k0, k1, m == 0, acc + m * kTile);
      }
    }
    store256(acc, M, target, t, target.y);
  }
}

// The AVX-512 kernel takes three tiles at a time (8 rows x 3 tiles = 24 accumulators of the 32 registers).
constexpr int64_t kTilesPerGroup = 3;

// MB rows of x (from xm; outputs at ym) against tiles [t0, t1) of one target, with the AVX-512 kernel.
template <int MB, bool BF16>
void row_block(const float* xm, int64_t K, const TiledTarget& target, int64_t t0, int64_t t1, float* ym) {
  int64_t t = t0;
  for (; t + kTilesPerGroup <= t1; t += kTilesPerGroup) block512<MB, kTilesPerGroup, BF16>(xm, K, target, t, ym);
  for (; t < t1; ++t) block512<MB, 1, BF16>(xm, K, target, t, ym);
}

// All M rows of x against tiles [t0, t1) of one target: with AVX-512 rows in blocks of 8, 4, 2 and 1; else tiles256.
template <bool BF16>
void tiles(const float* x, int64_t M, int64_t K, const TiledTarget& target, int64_t t0, int64_t t1, bool avx512) {
  if (!avx512) {
    tiles256<BF16>(x, M, K, target, t0, t1);
    return;
  }
  const int64_t N = target.N;
  int64_t m = 0;
  for (; m + 8 <= M; m += 8) row_block<8, BF16>(x + m * K, K, target, t0, t1, target.y + m * N);
  for (; m + 4 <= M; m += 4) row_block<4, BF16>(x + m * K, K, target, t0, t1, target.y + m * N);
  if (M - m >= 2) {
    row_block<2, BF16>(x + m * K, K, target, t0, t1, target.y + m * N);
    m += 2;
  }
  if (M - m >= 1) row_block<1, BF16>(x + m * K, K, target, t0, t1, target.y + m * N);
}

int64_t tile_count(int64_t N) { return (N + kTile - 1) / kTile; }

// Bytes of x one row panel may take: with a group of tiles (3 · 16 · K floats: 147 KB at K = 768, 393 KB at K = 2048)
// it should fit a 1 MB L2 with room to spare.
constexpr int64_t kPanelBytes = 384 * 1024;

// Rows per panel: a multiple of 8 (the AVX-512 row block), at least 8.
int64_t panel_rows(int64_t M, int64_t K) {
  const int64_t rows = std::max<int64_t>(8, kPanelBytes / (K * static_cast<int64_t>(sizeof(float))) / 8 * 8);
  return std::min(rows, M);
}

}  // namespace

namespace st::kernels {

bool tiled_linear_available() { return st::simd::cpu_has_avx2_fma(); }

void tiled_linear(const float* x, int64_t M, int64_t K, const TiledTarget* targets, int count, bool bf16_weights, const TiledExtra* extra) {
  TORCH_CHECK(st::simd::cpu_has_avx2_fma(), "tiled_linear: needs a CPU with AVX2 and FMA");
  TORCH_CHECK(M >= 1 && count >= 1 && count <= kLinearMaxGroup, "tiled_linear: ", M, " rows x ", count, " weights is out of range");
  const bool avx512 = st::kernels::use_avx512();
  // Groups of kTilesPerGroup tiles of one target, numbered across all targets; work item = (panel, group), panel-major
  // so that consecutive items share the panel of x held in L2.
  int64_t first[kLinearMaxGroup + 1];
  first[0] = 0;
  for (int i = 0; i < count; ++i) first[i + 1] = first[i] + (tile_count(targets[i].N) + kTilesPerGroup - 1) / kTilesPerGroup;
  const int64_t groups = first[count], rows = panel_rows(M, K), panels = (M + rows - 1) / rows;
  // The extra work's `before` items come first: chunks are claimed in order, so by the time a thread reaches a block of
  // tiles every before item has been claimed, and it only waits (after computing its tiles) for those still running.
  const int64_t before = extra ? extra->before_items : 0;
  std::atomic<int64_t> before_done{0};
  st::parallel_for(0, before + panels * groups, 1, [&](int64_t w0, int64_t w1) {
    for (int64_t item = w0; item < w1; ++item) {
      if (item < before) {
        extra->before(extra->context, item);
        before_done.fetch_add(1, std::memory_order_release);
        continue;
      }
      const int64_t w = item - before;
      const int64_t g = w % groups, m0 = w / groups * rows, m = std::min(rows, M - m0);
      int i = 0;
      while (g >= first[i + 1]) ++i;
      const TiledTarget& whole = targets[i];
      const TiledTarget panel{whole.w, whole.N, whole.bias, whole.y + m0 * whole.N};
      const int64_t t0 = (g - first[i]) * kTilesPerGroup, t1 = std::min(tile_count(whole.N), t0 + kTilesPerGroup);
      const int64_t n0 = t0 * kTile, n1 = std::min(whole.N, t1 * kTile);
      if (extra && extra->prepare) extra->prepare(extra->context, i, m0, m0 + m, n0, n1);
      if (bf16_weights)
        tiles<true>(x + m0 * K, m, K, panel, t0, t1, avx512);
      else
        tiles<false>(x + m0 * K, m, K, panel, t0, t1, avx512);
      if (extra) {
        while (before_done.load(std::memory_order_acquire) < before) _mm_pause();
        extra->after(extra->context, i, m0, m0 + m, n0, n1);
      }
    }
  });
}

}  // namespace st::kernels

// The tiled copy [⌈N/16⌉, K, 16] of a float32 or bfloat16 weight [N, K] (same dtype; rows past N are zero).
ST_API Tensor* st_tile_weight(Tensor* wp) {
  ST_TENSOR({
    const at::Tensor& w0 = *wp;
    TORCH_CHECK(w0.dim() == 2, "tile_weight: weight must be 2-d, got ", w0.sizes());
    TORCH_CHECK(w0.scalar_type() == at::kFloat || w0.scalar_type() == at::kBFloat16, "tile_weight: weight must be float32 or bfloat16, got ",
                w0.scalar_type());
    TORCH_CHECK(w0.device().is_cpu(), "tile_weight: weight must be on the CPU");
    const int64_t N = w0.size(0), K = w0.size(1), T = tile_count(N);
    at::NoGradGuard no_grad;
    auto padded = at::zeros({T * kTile, K}, w0.options());
    padded.narrow(0, 0, N).copy_(w0);
    return st::wrap(padded.view({T, kTile, K}).transpose(1, 2).contiguous());
  })
}

namespace st::kernels {

TiledGroup tiled_group(Tensor* xp, int32_t count, Tensor** tiled, const int64_t* out_features, Tensor** biases) {
  TORCH_CHECK(count >= 1 && count <= kLinearMaxGroup, "tiled_linear: ", count, " weights; 1 to ", kLinearMaxGroup, " expected");
  TORCH_CHECK(tiled_linear_available(), "tiled_linear: needs a CPU with AVX2 and FMA");
  const at::Tensor& x0 = *xp;
  TORCH_CHECK(x0.scalar_type() == at::kFloat && x0.device().is_cpu() && x0.dim() >= 1, "tiled_linear: input must be a float32 CPU tensor");
  TiledGroup group;
  group.K = x0.size(-1);
  group.M = group.K == 0 ? 0 : x0.numel() / group.K;
  TORCH_CHECK(group.M >= 1, "tiled_linear: the input has no rows");
  const auto dtype = tiled[0]->scalar_type();
  group.bf16 = dtype == at::kBFloat16;
  group.ys.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    const at::Tensor& w = *tiled[i];
    const bool grad = at::GradMode::is_enabled() && (x0.requires_grad() || w.requires_grad() || (biases[i] && biases[i]->requires_grad()));
    TORCH_CHECK(!grad, "tiled_linear is not differentiable; call it under no-grad");
    TORCH_CHECK(w.dim() == 3 && w.size(0) == tile_count(out_features[i]) && w.size(1) == group.K && w.size(2) == kTile && w.is_contiguous() &&
                    w.device().is_cpu() && w.scalar_type() == dtype && (dtype == at::kFloat || dtype == at::kBFloat16),
                "tiled_linear: weight ", i, " must be a contiguous tiled [", tile_count(out_features[i]), ", ", group.K, ", 16] float32 or bfloat16 tensor of the group's dtype, got ",
                w.sizes(), " ", w.scalar_type());
    if (biases[i])
      TORCH_CHECK(biases[i]->scalar_type() == at::kFloat && biases[i]->is_contiguous() && biases[i]->numel() == out_features[i],
                  "tiled_linear: bias ", i, " must be float32 [", out_features[i], "]");
    auto sizes = x0.sizes().vec();
    sizes.back() = out_features[i];
    group.ys[i] = at::empty(sizes, x0.options());
    group.targets[i] = TiledTarget{w.data_ptr(), out_features[i], biases[i] ? biases[i]->data_ptr<float>() : nullptr, group.ys[i].data_ptr<float>()};
  }
  group.x = x0.contiguous();
  return group;
}

}  // namespace st::kernels

// outputs[i] = x·Wᵢᵀ + biases[i] for tiled weights (st_tile_weight) of out_features[i] rows, all of one dtype; x
// [..., K] float32; biases float32 or null. One parallel region for the group.
ST_API int32_t st_tiled_linear_group(Tensor* xp, int32_t count, Tensor** tiled, const int64_t* out_features, Tensor** biases, Tensor** outputs) {
  ST_STATUS({
    auto group = st::kernels::tiled_group(xp, count, tiled, out_features, biases);
    st::kernels::tiled_linear(group.x.data_ptr<float>(), group.M, group.K, group.targets, count, group.bf16);
    for (int32_t i = 0; i < count; ++i) outputs[i] = st::wrap(std::move(group.ys[i]));
  })
}
