// Attention of one new query position over a KV cache (the decode step), fused: for every (row, query head) one
// pass computes the scores against the cached keys, the softmax and the weighted sum of the values, with no
// intermediate tensors and no batched-gemm calls (at::matmul here becomes B·H tiny gemms, each paying BLAS
// dispatch and threading overhead). Grouped-query attention: query head h reads KV head h / (Hq / Hkv), and the query
// heads of one KV head go through its keys and values together, so it is read once per row rather than once per head
// (bench/attention: 2–2.7× at a Mistral-7B shape with 4,096 positions, where a KV head no longer stays in cache
// between heads; 1.15–1.7× on the other shapes there).
#include "kernel_pool.h"
#include "kernels.h"
#include "simd_math.h"
#include "shim.h"

#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace {

// ---- AVX2 path (head_dim a multiple of 8, up to kMaxVectorDim): the three passes over the cache of one (row, KV
// head) are vectorised across keys. Scores: eight keys at a time, their dot products reduced together (horizontal-add
// trees). Softmax: exp eight scores at a time. Values: the output stays in registers, 64 dimensions at a time, across
// a range of keys instead of being loaded and stored once per key.

constexpr int64_t kMaxVectorDim = 256;

// Query heads one attend_avx2 call takes together (a larger GQA group goes in parts).
constexpr int64_t kMaxGroup = 16;

__attribute__((target("avx2,fma"))) inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);  // [a01+a23, b.., c.., d.. | a45+a67, ...]
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// acc[0..8·NV) += Σ_l w[l] · v[keys[l]][0..8·NV) over keys [l0, l1), starting from zero when `first`: the accumulators
// stay in registers across the range (NV ≤ 8 keeps them within the 16 ymm registers with the broadcast weight), so each
// key costs NV independent FMAs, and go through memory only between ranges, which keeps every lane's sum one FMA chain
// over the keys in order whatever the ranges. Every loop over NV is unrolled, the storing one too: GCC at -O2 otherwise
// keeps acc[] on the stack and stores all NV accumulators on every key.
template <int NV>
__attribute__((target("avx2,fma"))) void weighted_sum_range(const float* w, const float* v, int64_t vs, const int32_t* keys, int64_t l0, int64_t l1,
                                                           bool first, float* acc_io) {
  __m256 acc[NV];
#pragma GCC unroll 8
  for (int i = 0; i < NV; ++i) acc[i] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(acc_io + 8 * i);
  for (int64_t l = l0; l < l1; ++l) {
    const __m256 wl = _mm256_broadcast_ss(w + l);
    const float* vr = v + keys[l] * vs;
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) acc[i] = _mm256_fmadd_ps(wl, _mm256_loadu_ps(vr + 8 * i), acc[i]);
  }
#pragma GCC unroll 8
  for (int i = 0; i < NV; ++i) _mm256_storeu_ps(acc_io + 8 * i, acc[i]);
}

using WeightedSumRange = void (*)(const float*, const float*, int64_t, const int32_t*, int64_t, int64_t, bool, float*);
constexpr WeightedSumRange kWeightedSumRanges[8] = {weighted_sum_range<1>, weighted_sum_range<2>, weighted_sum_range<3>, weighted_sum_range<4>,
                                                    weighted_sum_range<5>, weighted_sum_range<6>, weighted_sum_range<7>, weighted_sum_range<8>};

// Keys per range of the values pass: the range's value rows (kValueRangeKeys · head_dim floats, 16 KB at head_dim 128)
// stay in L1 while every query head of a GQA group takes them, so a group reads its KV head's values once.
constexpr int64_t kValueRangeKeys = 32;

// Decode steps read the cache from memory (the step's weights went through the CPU's caches since the previous step),
// in short streams per (row, KV head) that the hardware prefetcher takes up late: the score pass asks for the keys two
// blocks ahead into L1 and for the current block's values into L2, where the values pass finds them
// (bench/attention, the cache evicted before each call: 1.2–2× on the shapes there; calls back to back, where a short
// cache stays in L2: from 4% slower to 1.3× faster). Not in prefill: there every query position after a head's first
// finds its keys and values in cache.
constexpr int64_t kPrefetchKeysAhead = 16;

// out_g[D] = softmax(scale · K·q_g) · V over the n keys at positions keys[0..n) (ascending), for the G ≤ kMaxGroup
// query heads g of one KV head (q_g = q + g·head_stride, out_g = out + g·head_stride), one (row, query position); with
// uniform, every listed key weighs the same. D % 8 == 0, D ≤ kMaxVectorDim. k, v: rows of D floats, row stride ks / vs.
// p: scratch of G·(n + 8) floats; acc: scratch of G·D floats.
// The heads take each block of keys and each range of values in turn while it is in L1, so the group reads its KV head
// once (at long contexts a head's keys and values no longer stay in L2 for the next head). Each head's arithmetic is
// the same whatever G: its output has the bits it has alone.
// Only the listed keys enter any sum, counted from the first, so the result does not depend on how many blocked keys
// (padding of a longer prompt elsewhere in the batch) lie before or between them: the softmax's eight partial sums
// would otherwise take each key in a lane set by its position.
// Scores take eight keys at a time: eight independent FMA chains (one per key) keep both FMA pipes busy, where one
// chain per key would wait on the FMA latency at every step of the head dimension.
__attribute__((target("avx2,fma"))) void attend_avx2(const float* q, int64_t head_stride, int64_t G, const float* k, int64_t ks, const float* v,
                                                    int64_t vs, const int32_t* keys, int64_t n, bool uniform, int64_t D, float scale, float* p,
                                                    float* acc, float* out, bool prefetch) {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  const int64_t nv = D / 8, p_stride = n + 8;
  const __m256 scale8 = _mm256_set1_ps(scale);
  int64_t l = 0;
  for (; l + 8 <= n && !uniform; l += 8) {
    const float *k0 = k + keys[l] * ks, *k1 = k + keys[l + 1] * ks, *k2 = k + keys[l + 2] * ks, *k3 = k + keys[l + 3] * ks;
    const float *k4 = k + keys[l + 4] * ks, *k5 = k + keys[l + 5] * ks, *k6 = k + keys[l + 6] * ks, *k7 = k + keys[l + 7] * ks;
    if (prefetch) {
      // Written out here: GCC 12 drops a loop of nothing but prefetches when it comes inlined from a helper.
      for (int64_t j = l + kPrefetchKeysAhead; j < std::min(n, l + kPrefetchKeysAhead + 8); ++j)
        for (int64_t d = 0; d < D; d += 16) _mm_prefetch(reinterpret_cast<const char*>(k + keys[j] * ks + d), _MM_HINT_T0);
      for (int64_t j = l; j < l + 8; ++j)
        for (int64_t d = 0; d < D; d += 16) _mm_prefetch(reinterpret_cast<const char*>(v + keys[j] * vs + d), _MM_HINT_T1);
    }
    for (int64_t g = 0; g < G; ++g) {
      const float* qg = q + g * head_stride;
      // Eight named accumulators: an array here is kept in memory by the compiler, which puts a store and a reload
      // on every FMA chain.
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (int64_t i = 0; i < nv; ++i) {
        const __m256 qi = _mm256_loadu_ps(qg + 8 * i);
        a0 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k0 + 8 * i), a0);
        a1 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k1 + 8 * i), a1);
        a2 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k2 + 8 * i), a2);
        a3 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k3 + 8 * i), a3);
        a4 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k4 + 8 * i), a4);
        a5 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k5 + 8 * i), a5);
        a6 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k6 + 8 * i), a6);
        a7 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k7 + 8 * i), a7);
      }
      const __m256 scores = _mm256_set_m128(hsum4(a4, a5, a6, a7), hsum4(a0, a1, a2, a3));
      _mm256_storeu_ps(p + g * p_stride + l, _mm256_mul_ps(scores, scale8));
    }
  }
  // The same reduction tree as a key of a block of eight (hsum4 reduces each of its arguments alike).
  for (; l < n && !uniform; ++l)
    for (int64_t g = 0; g < G; ++g) {
      __m256 a = _mm256_setzero_ps();
      for (int64_t i = 0; i < nv; ++i) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + g * head_stride + 8 * i), _mm256_loadu_ps(k + keys[l] * ks + 8 * i), a);
      p[g * p_stride + l] = _mm_cvtss_f32(hsum4(a, a, a, a)) * scale;
    }
  float inv[kMaxGroup];
  for (int64_t g = 0; g < G; ++g) {
    float* pg = p + g * p_stride;
    float sum = 0;
    if (uniform) {
      for (l = 0; l < n; ++l) pg[l] = 1.0f;  // every key blocked: uniform, as masking with the lowest float gives
      sum = static_cast<float>(n);
    } else {
      // Max and sum eight lanes at a time: a scalar loop here is one serial dependency chain per key, which costs more
      // than the scores themselves at head_dim 64.
      const int64_t padded = (n + 7) & ~int64_t{7};
      for (l = n; l < padded; ++l) pg[l] = minus_inf;
      __m256 mx8 = _mm256_set1_ps(minus_inf);
      for (l = 0; l < padded; l += 8) mx8 = _mm256_max_ps(mx8, _mm256_loadu_ps(pg + l));
      const __m128 mx4 = _mm_max_ps(_mm256_castps256_ps128(mx8), _mm256_extractf128_ps(mx8, 1));
      const float mx = std::max(std::max(mx4[0], mx4[1]), std::max(mx4[2], mx4[3]));
      const __m256 m = _mm256_set1_ps(mx);
      __m256 sum8 = _mm256_setzero_ps();
      for (l = 0; l < padded; l += 8) {
        const __m256 e = st::simd::exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(pg + l), m));
        _mm256_storeu_ps(pg + l, e);
        sum8 = _mm256_add_ps(sum8, e);
      }
      const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
      sum = (s4[0] + s4[1]) + (s4[2] + s4[3]);
    }
    inv[g] = 1.0f / sum;
  }
  // Values, 64 dimensions at a time: every head's weighted sum over a range of keys, then the next range.
  for (int64_t off = 0; off < nv; off += 8) {
    const int64_t width = std::min<int64_t>(8, nv - off);
    const WeightedSumRange sum_range = kWeightedSumRanges[width - 1];
    for (int64_t l0 = 0; l0 < n; l0 += kValueRangeKeys)
      for (int64_t g = 0; g < G; ++g)
        sum_range(p + g * p_stride, v + 8 * off, vs, keys, l0, std::min(n, l0 + kValueRangeKeys), l0 == 0, acc + g * D + 8 * off);
    for (int64_t g = 0; g < G; ++g) {
      const __m256 s = _mm256_set1_ps(inv[g]);
      for (int64_t i = 0; i < width; ++i) {
        const int64_t d = 8 * (off + i);
        // n = 0 cannot happen (a query sees at least its own position), so every accumulator was written.
        _mm256_storeu_ps(out + g * head_stride + d, _mm256_mul_ps(_mm256_loadu_ps(acc + g * D + d), s));
      }
    }
  }
}

// The same for any head_dim, without SIMD.
void attend_plain(const float* q, const float* k, int64_t ks, const float* v, int64_t vs, const int32_t* keys, int64_t n, bool uniform, int64_t D,
                  float scale, float* p, float* out) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t l = 0; l < n && !uniform; ++l) {
    float dot = 0;
    for (int64_t d = 0; d < D; ++d) dot += q[d] * k[keys[l] * ks + d];
    p[l] = dot * scale;
    mx = std::max(mx, p[l]);
  }
  float sum = 0;
  for (int64_t l = 0; l < n; ++l) {
    p[l] = uniform ? 1.0f : std::exp(p[l] - mx);
    sum += p[l];
  }
  const float inv = 1.0f / sum;
  for (int64_t d = 0; d < D; ++d) out[d] = 0;
  for (int64_t l = 0; l < n; ++l)
    if (p[l] != 0.0f)
      for (int64_t d = 0; d < D; ++d) out[d] += p[l] * inv * v[keys[l] * vs + d];
}

// Whether a switch of this kernel is on: unless the environment variable is "0".
bool on_unless_zero(const char* variable) {
  const char* env = std::getenv(variable);
  return env == nullptr || std::string(env) != "0";
}

template <typename T>
void grow(std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

}  // namespace

namespace st::kernels {

void causal_attention(const float* q, int64_t B, int64_t Hq, int64_t T, int64_t Hkv, int64_t D, const CacheView& k, const CacheView& v,
                      const bool* blocked, int64_t L, float scale, float* out) {
  TORCH_CHECK(T >= 1 && T <= L, "attention: ", T, " queries over ", L, " positions");
  TORCH_CHECK(L <= std::numeric_limits<int32_t>::max(), "attention: ", L, " positions are too many");
  const int64_t group = Hq / Hkv;
  const bool vector = st::simd::cpu_has_avx2_fma() && D % 8 == 0 && D <= kMaxVectorDim;
  // Work items: (row, part of a KV head's query heads, query position). The query heads of a KV head go together (in
  // parts of at most kMaxGroup) when that leaves at least two items per thread; otherwise one head per item, so a
  // batch-1 decode step on many cores still spreads. Either way each output gets the same bits.
  // SELFSPEC_ATTENTION_GROUPED=0 takes one head per item always (bench/attention compares the two).
  static const bool grouped = on_unless_zero("SELFSPEC_ATTENTION_GROUPED");
  // SELFSPEC_ATTENTION_PREFETCH=0: no prefetching in decode steps (bench/attention compares the two).
  static const bool prefetch = on_unless_zero("SELFSPEC_ATTENTION_PREFETCH");
  const int64_t threads = std::max(1, at::get_num_threads());
  const int64_t per_item = grouped && vector && B * Hkv * T >= 2 * threads ? std::min(group, kMaxGroup) : 1;
  const int64_t parts = (group + per_item - 1) / per_item;
  st::parallel_for(0, B * Hkv * parts * T, 1, [&](int64_t begin, int64_t end) {
    // Scratch kept per thread across calls: a decode step calls this once per layer, and allocating (and zeroing) it
    // per chunk took a visible share of a short call. Every element is written before it is read.
    thread_local std::vector<float> p, acc;
    thread_local std::vector<int32_t> visible, all;
    grow(p, per_item * (L + 8));
    grow(acc, per_item * D);
    grow(visible, L);
    for (int64_t l = static_cast<int64_t>(all.size()); l < L; ++l) all.push_back(static_cast<int32_t>(l));
    int64_t listed_row = -1, count = 0;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / (Hkv * parts * T), kvh = item / (parts * T) % Hkv, part = item / T % parts, t = item % T;
      if (b != listed_row) {  // the row's unblocked positions, ascending
        count = 0;
        for (int64_t l = 0; l < L; ++l)
          if (!blocked || !blocked[b * L + l]) visible[count++] = static_cast<int32_t>(l);
        listed_row = b;
      }
      // Query t sits at position L − T + t and sees the positions up to it.
      const int64_t last = L - T + t;
      const int64_t n = std::upper_bound(visible.begin(), visible.begin() + count, static_cast<int32_t>(last)) - visible.begin();
      const bool uniform = n == 0;
      const int32_t* keys = uniform ? all.data() : visible.data();
      const int64_t keys_n = uniform ? last + 1 : n;
      const float* kh = k.data + b * k.s0 + kvh * k.s1;
      const float* vh = v.data + b * v.s0 + kvh * v.s1;
      const int64_t h0 = kvh * group + part * per_item, heads = std::min(per_item, group - part * per_item);
      const int64_t first = ((b * Hq + h0) * T + t) * D;  // q and out are [B, Hq, T, D]: heads T·D apart
      if (vector)
        attend_avx2(q + first, T * D, heads, kh, k.s2, vh, v.s2, keys, keys_n, uniform, D, scale, p.data(), acc.data(), out + first, T == 1 && prefetch);
      else
        for (int64_t g = 0; g < heads; ++g)
          attend_plain(q + first + g * T * D, kh, k.s2, vh, v.s2, keys, keys_n, uniform, D, scale, p.data(), out + first + g * T * D);
    }
  });
}

}  // namespace st::kernels

namespace {

// out [B, Hq, T, D] for q [B, Hq, T, D] (T = 1 may come as [B, Hq, D]); see st_causal_attention.
at::Tensor attention(const at::Tensor& q0, const at::Tensor& k, const at::Tensor& v, Tensor* blockedp, double scale) {
  TORCH_CHECK((q0.dim() == 3 || q0.dim() == 4) && k.dim() == 4 && v.dim() == 4,
              "attention: expected q [B, Hq, D] or [B, Hq, T, D] and k, v [B, Hkv, L, D], got q ", q0.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
  TORCH_CHECK(!(at::GradMode::is_enabled() && (q0.requires_grad() || k.requires_grad() || v.requires_grad())),
              "attention is not differentiable; call it under no-grad");
  TORCH_CHECK(q0.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat, "attention: float32 tensors required");
  TORCH_CHECK(q0.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu(), "attention: CPU tensors required");
  const int64_t B = q0.size(0), Hq = q0.size(1), T = q0.dim() == 4 ? q0.size(2) : 1, D = q0.size(-1), Hkv = k.size(1), L = k.size(2);
  TORCH_CHECK(k.size(0) == B && v.size(0) == B && k.size(3) == D && v.size(3) == D && v.size(1) == Hkv && v.size(2) == L,
              "attention: shapes do not match: q ", q0.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
  TORCH_CHECK(Hkv > 0 && Hq % Hkv == 0, "attention: ", Hq, " query heads are not a multiple of ", Hkv, " KV heads");
  TORCH_CHECK(T <= L, "attention: ", T, " queries but only ", L, " key positions");
  TORCH_CHECK(k.stride(3) == 1 && v.stride(3) == 1, "attention: k and v need unit stride in the last dimension");
  at::Tensor blocked;
  if (blockedp) {
    blocked = blockedp->to(at::kBool).contiguous();
    TORCH_CHECK(blocked.numel() == B * L, "attention: blocked must be [B, L] = [", B, ", ", L, "], got ", blockedp->sizes());
  }
  auto q = q0.contiguous();
  auto out = at::empty(q.sizes(), q.options());
  const st::kernels::CacheView kv{k.data_ptr<float>(), k.stride(0), k.stride(1), k.stride(2)};
  const st::kernels::CacheView vv{v.data_ptr<float>(), v.stride(0), v.stride(1), v.stride(2)};
  st::kernels::causal_attention(q.data_ptr<float>(), B, Hq, T, Hkv, D, kv, vv, blockedp ? blocked.data_ptr<bool>() : nullptr, L,
                                static_cast<float>(scale), out.data_ptr<float>());
  return out;
}

}  // namespace

// q [B, Hq, D] float32; k, v [B, Hkv, L, D] float32 with unit stride in D (views of a cache are fine);
// blocked: null or [B, L] bool, true where a key may not be attended (padding). Returns [B, Hq, D].
// A row whose keys are all blocked averages all L values uniformly (what masking with the lowest float gives).
ST_API Tensor* st_decode_attention(Tensor* qp, Tensor* kp, Tensor* vp, Tensor* blockedp, double scale) {
  ST_TENSOR({
    TORCH_CHECK(qp->dim() == 3, "decode_attention: expected q [B, Hq, D], got ", qp->sizes());
    return st::wrap(attention(*qp, *kp, *vp, blockedp, scale));
  })
}

// Causal attention of T new query positions per row, the last T of the L positions of k and v: q [B, Hq, T, D], k, v
// [B, Hkv, L, D] (views of a cache are fine), blocked null or [B, L] bool (padding). Query t attends the unblocked
// positions 0 .. L − T + t; one whose every such key is blocked averages their values. Returns [B, Hq, T, D]. Each
// query's output is what st_decode_attention gives for it at its position: prefill and decode agree bit for bit.
ST_API Tensor* st_causal_attention(Tensor* qp, Tensor* kp, Tensor* vp, Tensor* blockedp, double scale) {
  ST_TENSOR({
    TORCH_CHECK(qp->dim() == 4, "causal_attention: expected q [B, Hq, T, D], got ", qp->sizes());
    return st::wrap(attention(*qp, *kp, *vp, blockedp, scale));
  })
}
