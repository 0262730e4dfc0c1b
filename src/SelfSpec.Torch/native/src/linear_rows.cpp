// Linear layer for a few rows (token-by-token decoding): y = x·Wᵀ + b, streaming the weight through the cache once.
//
// With few rows a BLAS gemm spends its time packing W and is far from the memory-bandwidth bound; this kernel
// instead reads each weight row once and does M dot products with it (register-blocked: AVX-512 where the CPU has
// it, else AVX2+FMA), parallel over the output features on the shim's kernel pool (kernel_pool.h). Weights may be float32 or
// bfloat16 (widened on the fly, so bf16 weights halve the traffic while accumulating in float32). Anything it does
// not cover (autograd, other dtypes or devices, a CPU without AVX2/FMA) goes to at::linear, a bf16 weight widened to
// float32 first. It also takes many rows (prefill, LoRA matrices): every output is one dot product in k order whatever
// the number of rows, so a row's result never depends on the rest of its batch, which a BLAS gemm does not promise.
//
// Several weights applied to the same input (a layer's q/k/v, or gate/up) run as one group: one parallel region over
// the output rows of all of them. Each parallel region costs a hand-over to the pool's workers (~1 µs while they spin,
// far more once they sleep), comparable to the work of one small projection at decode time. Every output element is
// the same dot product in the same order whichever way the rows are split, so grouping changes no result bit.
#include "kernel_pool.h"
#include "kernels.h"
#include "simd_math.h"
#include "shim.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

namespace {

template <bool BF16>
inline float load1(const void* w, int64_t i) {
  if constexpr (BF16) {
    uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(w)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  } else {
    return static_cast<const float*>(w)[i];
  }
}

// One core streams weights from memory at ~10-13 GB/s with only the hardware prefetcher (it keeps too few cache-line
// fetches in flight); asking for the line 16 KB ahead of each weight row into L2 as well raised that to 18-20 GB/s
// (f32) and ~30 GB/s (bf16) on the 32000 x 768 lm_head, and cut the CPU time of a whole decode step of the benchmark
// model by ~35% (f32, batch 1) and ~60% (bf16 weights, batch 1). Every line of W is requested once (the rows are
// contiguous, so the addresses 16 KB ahead of all rows tile W); the requests past W's end are harmless (a prefetch
// never faults).
constexpr int64_t kL2PrefetchBytes = 16384;

// MB rows of x against NB consecutive weight rows starting at n.
template <int MB, int NB, bool BF16>
__attribute__((target("avx2,fma"))) void block(const float* x, int64_t K, const void* w, int64_t n, const float* bias, float* y,
                                              int64_t N) {
  // The accumulators must live in registers: the constant-trip loops are unrolled explicitly (GCC at -O2 would
  // otherwise keep acc[][] on the stack and serialise every FMA through a store and a reload).
  __m256 acc[NB][MB];
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) acc[j][i] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 wv[NB];
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) {
      wv[j] = st::simd::load8<BF16>(w, (n + j) * K + k);
      // One request per cache line: f32 rows advance 32 bytes a step, bf16 rows 16.
      if (k % (BF16 ? 32 : 16) == 0)
        _mm_prefetch(static_cast<const char*>(w) + ((n + j) * K + k) * (BF16 ? 2 : 4) + kL2PrefetchBytes, _MM_HINT_T1);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) {
      __m256 xv = _mm256_loadu_ps(x + i * K + k);
#pragma GCC unroll 8
      for (int j = 0; j < NB; ++j) acc[j][i] = _mm256_fmadd_ps(wv[j], xv, acc[j][i]);
    }
  }
  for (int j = 0; j < NB; ++j)
    for (int i = 0; i < MB; ++i) {
      float s = st::simd::hsum(acc[j][i]);
      for (int64_t kk = k; kk < K; ++kk) s += x[i * K + kk] * load1<BF16>(w, (n + j) * K + kk);
      if (bias) s += bias[n + j];
      y[i * N + n + j] = s;
    }
}

// Rows [m0, m0+MB) of x against weight rows [n0, n1).
template <int MB, bool BF16>
void rows(const float* x, int64_t K, const void* w, int64_t N, const float* bias, float* y, int64_t n0, int64_t n1) {
  constexpr int NB = MB >= 8 ? 1 : MB >= 4 ? 2 : 4;
  int64_t n = n0;
  for (; n + NB <= n1; n += NB) block<MB, NB, BF16>(x, K, w, n, bias, y, N);
  for (; n < n1; ++n) block<MB, 1, BF16>(x, K, w, n, bias, y, N);
}

using Target = st::kernels::LinearTarget;

constexpr int kMaxGroup = st::kernels::kLinearMaxGroup;

// Passes the M rows of x in blocks of 8, 4, 2 and 1 rows to kernel(mb, x_rows, y_rows), where mb is a
// std::integral_constant<int, MB> so the kernel can take the block height as a template argument.
template <typename Kernel>
void row_blocks(const float* x, int64_t M, int64_t K, const Target& t, const Kernel& kernel) {
  int64_t m = 0;
  for (; m + 8 <= M; m += 8) kernel(std::integral_constant<int, 8>{}, x + m * K, t.y + m * t.N);
  if (M - m >= 4) { kernel(std::integral_constant<int, 4>{}, x + m * K, t.y + m * t.N); m += 4; }
  if (M - m >= 2) { kernel(std::integral_constant<int, 2>{}, x + m * K, t.y + m * t.N); m += 2; }
  if (M - m >= 1) kernel(std::integral_constant<int, 1>{}, x + m * K, t.y + m * t.N);
}

// One parallel region over the output features of every target, cut into tiles of TILE weight rows; each thread takes
// runs of consecutive tiles and passes every row block of x over one tile while the tile is in cache. ROWS(x, w, N,
// bias, y, n0, n1) handles MB rows at a time.
template <int64_t TILE, typename Rows>
void run_tiles(const float* x, int64_t M, int64_t K, const Target* targets, int count, const Rows& rows) {
  int64_t first_tile[kMaxGroup + 1];
  first_tile[0] = 0;
  for (int i = 0; i < count; ++i) first_tile[i + 1] = first_tile[i] + (targets[i].N + TILE - 1) / TILE;
  st::parallel_for(0, first_tile[count], 1, [&](int64_t tile0, int64_t tile1) {
    int i = 0;
    for (int64_t tile = tile0; tile < tile1; ++tile) {
      while (tile >= first_tile[i + 1]) ++i;
      const Target& t = targets[i];
      const int64_t n0 = (tile - first_tile[i]) * TILE, n1 = std::min(t.N, n0 + TILE);
      rows(x, M, K, t, n0, n1);
    }
  });
}

template <bool BF16>
void run(const float* x, int64_t M, int64_t K, const Target* targets, int count) {
  run_tiles<64>(x, M, K, targets, count, [](const float* x, int64_t M, int64_t K, const Target& t, int64_t n0, int64_t n1) {
    row_blocks(x, M, K, t, [&](auto mb, const float* xm, float* ym) {
      rows<decltype(mb)::value, BF16>(xm, K, t.w, t.N, t.bias, ym, n0, n1);
    });
  });
}

// ---- AVX-512 variant: 32 vector registers allow 2-D register blocks (8 rows x 3 weight rows = 24 accumulators), so
// each weight vector loaded serves 8 rows and each input vector 3 weight rows; K tails are masked loads, and the
// weight rows are prefetched 1 KB ahead into L1 (measured: ~15% less CPU time at 8 rows on the 32000 x 768 lm_head,
// where the hardware prefetcher alone does not keep up with 3 interleaved streams) and kL2PrefetchBytes ahead into L2.

// GCC 12's AVX-512 headers trip its own uninitialized-value warnings (_mm512_undefined_* inside the conversions).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define ST_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

constexpr int64_t kPrefetchBytes = 1024;

template <bool BF16>
ST_AVX512 inline __m512 load16_masked(const void* w, int64_t i, __mmask16 m) {
  if constexpr (BF16) {
    auto half = _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(w) + i);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
  } else {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(w) + i);
  }
}

// One step of 16 columns: acc[j][i] += w[n + j, k..k+16) · x[i, k..k+16). MASKED: the K tail (lanes past K are zero).
template <int MB, int NB, bool BF16, bool MASKED>
ST_AVX512 inline void step512(const float* x, int64_t K, const void* w, int64_t n, int64_t k, __mmask16 m, __m512 (&acc)[NB][MB]) {
  constexpr int64_t kElementBytes = BF16 ? 2 : 4;
  __m512 wv[NB];
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j) {
    wv[j] = MASKED ? load16_masked<BF16>(w, (n + j) * K + k, m) : st::simd::load16<BF16>(w, (n + j) * K + k);
    _mm_prefetch(static_cast<const char*>(w) + ((n + j) * K + k) * kElementBytes + kPrefetchBytes, _MM_HINT_T0);
    _mm_prefetch(static_cast<const char*>(w) + ((n + j) * K + k) * kElementBytes + kL2PrefetchBytes, _MM_HINT_T1);
  }
#pragma GCC unroll 8
  for (int i = 0; i < MB; ++i) {
    const __m512 xv = MASKED ? _mm512_maskz_loadu_ps(m, x + i * K + k) : _mm512_loadu_ps(x + i * K + k);
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) acc[j][i] = _mm512_fmadd_ps(wv[j], xv, acc[j][i]);
  }
}

// MB rows of x against NB consecutive weight rows starting at n.
template <int MB, int NB, bool BF16>
ST_AVX512 void block512(const float* x, int64_t K, const void* w, int64_t n, const float* bias, float* y, int64_t N) {
  __m512 acc[NB][MB];
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) acc[j][i] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) step512<MB, NB, BF16, false>(x, K, w, n, k, 0, acc);
  if (k < K) step512<MB, NB, BF16, true>(x, K, w, n, k, static_cast<__mmask16>((1u << (K - k)) - 1), acc);
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < MB; ++i) y[i * N + n + j] = _mm512_reduce_add_ps(acc[j][i]) + (bias ? bias[n + j] : 0.0f);
}

template <int MB, bool BF16>
void rows512(const float* x, int64_t K, const void* w, int64_t N, const float* bias, float* y, int64_t n0, int64_t n1) {
  constexpr int NB = MB >= 8 ? 3 : 4;
  int64_t n = n0;
  for (; n + NB <= n1; n += NB) block512<MB, NB, BF16>(x, K, w, n, bias, y, N);
  for (; n < n1; ++n) block512<MB, 1, BF16>(x, K, w, n, bias, y, N);
}

// Tiles of 48 weight rows (a multiple of the 3-row blocks of the 8-row kernel).
template <bool BF16>
void run512(const float* x, int64_t M, int64_t K, const Target* targets, int count) {
  run_tiles<48>(x, M, K, targets, count, [](const float* x, int64_t M, int64_t K, const Target& t, int64_t n0, int64_t n1) {
    row_blocks(x, M, K, t, [&](auto mb, const float* xm, float* ym) {
      rows512<decltype(mb)::value, BF16>(xm, K, t.w, t.N, t.bias, ym, n0, n1);
    });
  });
}

at::Tensor fallback(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  auto wx = w.scalar_type() == x.scalar_type() ? w : w.to(x.scalar_type());
  c10::optional<at::Tensor> bx = b;
  if (b && b->scalar_type() != x.scalar_type()) bx = b->to(x.scalar_type());
  return at::linear(x, wx, bx);
}

// Whether the streaming kernel can compute x·wᵀ + b (else the at::linear fallback does).
bool fast_path(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  TORCH_CHECK(w.dim() == 2, "linear_rows: weight must be 2-d, got ", w.dim(), "-d");
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "linear_rows: input features ", x.size(-1), " do not match weight ", w.sizes());
  const int64_t K = w.size(1), N = w.size(0);
  const int64_t M = K == 0 ? 0 : x.numel() / K;
  const bool grad = at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || (b && b->requires_grad()));
  return !grad && st::simd::cpu_has_avx2_fma() && x.device().is_cpu() && w.device().is_cpu() && x.scalar_type() == at::kFloat &&
         (w.scalar_type() == at::kFloat || w.scalar_type() == at::kBFloat16) && w.is_contiguous() &&
         (!b || (b->scalar_type() == at::kFloat && b->is_contiguous() && b->numel() == N)) && M >= 1;
  // Any number of rows: beyond a few a BLAS gemm would be faster (~2x at prefill sizes), but its summation order
  // depends on the number of rows (OpenBLAS picks kernels by M), so a row's result would depend on its batch.
}

// Every target through the AVX-512 or AVX2 kernel (fast_path has checked the CPU and the group size).
void run_group(const float* x, int64_t M, int64_t K, const Target* targets, int count, bool bf16_weights) {
  if (st::kernels::use_avx512()) {
    if (bf16_weights)
      run512<true>(x, M, K, targets, count);
    else
      run512<false>(x, M, K, targets, count);
  } else if (bf16_weights) {
    run<true>(x, M, K, targets, count);
  } else {
    run<false>(x, M, K, targets, count);
  }
}

// y_i = x·w_iᵀ + b_i for every i; the weights that fit the streaming kernel (all of one dtype) share one parallel region.
std::vector<at::Tensor> linear_rows(const at::Tensor& x, const std::vector<at::Tensor>& ws, const std::vector<c10::optional<at::Tensor>>& bs) {
  const int count = static_cast<int>(ws.size());
  std::vector<at::Tensor> ys(ws.size());
  bool fast = count <= kMaxGroup;
  for (int i = 0; i < count; ++i) fast = fast_path(x, ws[i], bs[i]) && ws[i].scalar_type() == ws[0].scalar_type() && fast;
  if (!fast) {
    // Each on its own: the kernel where it applies, else at::linear.
    for (int i = 0; i < count; ++i) ys[i] = count == 1 ? fallback(x, ws[i], bs[i]) : linear_rows(x, {ws[i]}, {bs[i]})[0];
    return ys;
  }
  const int64_t K = x.size(-1), M = x.numel() / K;
  auto xc = x.contiguous();
  Target targets[kMaxGroup];
  for (int i = 0; i < count; ++i) {
    auto sizes = x.sizes().vec();
    sizes.back() = ws[i].size(0);
    ys[i] = at::empty(sizes, x.options());
    targets[i] = Target{ws[i].data_ptr(), ws[i].size(0), bs[i] ? bs[i]->data_ptr<float>() : nullptr, ys[i].data_ptr<float>()};
  }
  run_group(xc.data_ptr<float>(), M, K, targets, count, ws[0].scalar_type() == at::kBFloat16);
  return ys;
}

}  // namespace

ST_API Tensor* st_linear_rows(Tensor* xp, Tensor* wp, Tensor* biasp) {
  ST_TENSOR({
    c10::optional<at::Tensor> b = biasp ? c10::optional<at::Tensor>(*biasp) : c10::nullopt;
    return st::wrap(std::move(linear_rows(*xp, {*wp}, {b})[0]));
  })
}

// outputs[i] = x·weights[i]ᵀ + biases[i] (biases[i] may be null), the group in one parallel region where possible.
ST_API int32_t st_linear_rows_group(Tensor* xp, int32_t count, Tensor** weights, Tensor** biases, Tensor** outputs) {
  ST_STATUS({
    TORCH_CHECK(count >= 1, "linear_rows: empty group");
    std::vector<at::Tensor> ws;
    std::vector<c10::optional<at::Tensor>> bs;
    for (int32_t i = 0; i < count; ++i) {
      ws.push_back(*weights[i]);
      bs.push_back(biases[i] ? c10::optional<at::Tensor>(*biases[i]) : c10::nullopt);
    }
    auto ys = linear_rows(*xp, ws, bs);
    for (int32_t i = 0; i < count; ++i) outputs[i] = st::wrap(std::move(ys[i]));
  })
}
