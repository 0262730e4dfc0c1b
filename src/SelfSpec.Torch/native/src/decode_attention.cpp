// Attention of one new query position over a KV cache (the decode step), fused: for every (row, query head) one
// pass computes the scores against the cached keys, the softmax and the weighted sum of the values, with no
// intermediate tensors and no batched-gemm calls (at::matmul here becomes B·H tiny gemms, each paying BLAS
// dispatch and threading overhead). Grouped-query attention: query head h reads KV head h / (Hq / Hkv).
#include "kernel_pool.h"
#include "kernels.h"
#include "simd_math.h"
#include "shim.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace {

// ---- AVX2 path (head_dim a multiple of 8, up to kMaxVectorDim): the three passes over the cache of one (row, head)
// are vectorised across keys. Scores: eight keys at a time, their dot products reduced together (horizontal-add
// trees). Softmax: exp eight scores at a time. Values: the output stays in registers, 64 dimensions at a time,
// across all keys instead of being loaded and stored once per key.

constexpr int64_t kMaxVectorDim = 256;

__attribute__((target("avx2,fma"))) inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);  // [a01+a23, b.., c.., d.. | a45+a67, ...]
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// out[0..8·NV) += Σ_l w[l] · v[l][0..8·NV): the accumulators stay in registers across all keys (NV ≤ 8 keeps them within
// the 16 ymm registers with the broadcast weight), so each key costs NV independent FMAs and no loads or stores of out.
template <int NV>
__attribute__((target("avx2,fma"))) void weighted_sum_block(const float* w, const float* v, int64_t vs, int64_t L, float scale, float* out) {
  __m256 acc[NV];
#pragma GCC unroll 8
  for (int i = 0; i < NV; ++i) acc[i] = _mm256_setzero_ps();
  for (int64_t l = 0; l < L; ++l) {
    const __m256 wl = _mm256_broadcast_ss(w + l);
    const float* vr = v + l * vs;
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) acc[i] = _mm256_fmadd_ps(wl, _mm256_loadu_ps(vr + 8 * i), acc[i]);
  }
  const __m256 s = _mm256_set1_ps(scale);
  for (int i = 0; i < NV; ++i) _mm256_storeu_ps(out + 8 * i, _mm256_mul_ps(acc[i], s));
}

using WeightedSumBlock = void (*)(const float*, const float*, int64_t, int64_t, float, float*);
constexpr WeightedSumBlock kWeightedSumBlocks[8] = {weighted_sum_block<1>, weighted_sum_block<2>, weighted_sum_block<3>, weighted_sum_block<4>,
                                                    weighted_sum_block<5>, weighted_sum_block<6>, weighted_sum_block<7>, weighted_sum_block<8>};

// out[D] = softmax(scale · K·q, masking blocked keys) · V for one (row, head). D % 8 == 0, D ≤ kMaxVectorDim.
// k, v: L rows of D floats, row stride ks / vs. p: scratch of at least L + 8 floats.
// Scores take eight keys at a time: eight independent FMA chains (one per key) keep both FMA pipes busy, where one
// chain per key would wait on the FMA latency at every step of the head dimension.
__attribute__((target("avx2,fma"))) void attend_avx2(const float* q, const float* k, int64_t ks, const float* v, int64_t vs,
                                                    const bool* blocked, int64_t L, int64_t D, float scale, float* p, float* out) {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  const int64_t nv = D / 8;
  __m256 qv[kMaxVectorDim / 8];
  for (int64_t i = 0; i < nv; ++i) qv[i] = _mm256_loadu_ps(q + 8 * i);
  const __m256 scale8 = _mm256_set1_ps(scale);
  int64_t l = 0;
  for (; l + 8 <= L; l += 8) {
    // Eight named accumulators: an array here is kept in memory by the compiler, which puts a store and a reload
    // on every FMA chain.
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const float* k0 = k + l * ks;
    for (int64_t i = 0; i < nv; ++i) {
      const __m256 qi = qv[i];
      const float* kc = k0 + 8 * i;
      a0 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc), a0);
      a1 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + ks), a1);
      a2 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 2 * ks), a2);
      a3 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 3 * ks), a3);
      a4 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 4 * ks), a4);
      a5 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 5 * ks), a5);
      a6 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 6 * ks), a6);
      a7 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kc + 7 * ks), a7);
    }
    const __m256 scores = _mm256_set_m128(hsum4(a4, a5, a6, a7), hsum4(a0, a1, a2, a3));
    _mm256_storeu_ps(p + l, _mm256_mul_ps(scores, scale8));
  }
  for (; l < L; ++l) {
    __m256 a = _mm256_setzero_ps();
    for (int64_t i = 0; i < nv; ++i) a = _mm256_fmadd_ps(qv[i], _mm256_loadu_ps(k + l * ks + 8 * i), a);
    p[l] = _mm_cvtss_f32(hsum4(a, a, a, a)) * scale;
  }
  if (blocked)
    for (l = 0; l < L; ++l)
      if (blocked[l]) p[l] = minus_inf;
  // Max and sum eight lanes at a time: a scalar loop here is one serial dependency chain per key, which costs more
  // than the scores themselves at head_dim 64.
  const int64_t padded = (L + 7) & ~int64_t{7};
  for (l = L; l < padded; ++l) p[l] = minus_inf;
  __m256 mx8 = _mm256_set1_ps(minus_inf);
  for (l = 0; l < padded; l += 8) mx8 = _mm256_max_ps(mx8, _mm256_loadu_ps(p + l));
  const __m128 mx4 = _mm_max_ps(_mm256_castps256_ps128(mx8), _mm256_extractf128_ps(mx8, 1));
  const float mx = std::max(std::max(mx4[0], mx4[1]), std::max(mx4[2], mx4[3]));
  float sum = 0;
  if (mx == minus_inf) {
    for (l = 0; l < L; ++l) p[l] = 1.0f;  // every key blocked: uniform, as masking with the lowest float gives
    sum = static_cast<float>(L);
  } else {
    const __m256 m = _mm256_set1_ps(mx);
    __m256 sum8 = _mm256_setzero_ps();
    for (l = 0; l < padded; l += 8) {
      const __m256 e = st::simd::exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(p + l), m));
      _mm256_storeu_ps(p + l, e);
      sum8 = _mm256_add_ps(sum8, e);
    }
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
    sum = (s4[0] + s4[1]) + (s4[2] + s4[3]);
  }
  const float inv = 1.0f / sum;
  for (int64_t off = 0; off < nv; off += 8) kWeightedSumBlocks[std::min<int64_t>(8, nv - off) - 1](p, v + 8 * off, vs, L, inv, out + 8 * off);
}

// The same for any head_dim, without SIMD.
void attend_plain(const float* q, const float* k, int64_t ks, const float* v, int64_t vs, const bool* blocked, int64_t L, int64_t D,
                  float scale, float* p, float* out) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t l = 0; l < L; ++l) {
    if (blocked && blocked[l]) {
      p[l] = -std::numeric_limits<float>::infinity();
      continue;
    }
    float dot = 0;
    for (int64_t d = 0; d < D; ++d) dot += q[d] * k[l * ks + d];
    p[l] = dot * scale;
    mx = std::max(mx, p[l]);
  }
  float sum = 0;
  for (int64_t l = 0; l < L; ++l) {
    p[l] = std::isinf(mx) ? 1.0f : (std::isinf(p[l]) ? 0.0f : std::exp(p[l] - mx));
    sum += p[l];
  }
  const float inv = 1.0f / sum;
  for (int64_t d = 0; d < D; ++d) out[d] = 0;
  for (int64_t l = 0; l < L; ++l)
    if (p[l] != 0.0f)
      for (int64_t d = 0; d < D; ++d) out[d] += p[l] * inv * v[l * vs + d];
}

}  // namespace

namespace st::kernels {

void decode_attention(const float* q, int64_t B, int64_t Hq, int64_t Hkv, int64_t D, const CacheView& k, const CacheView& v,
                      const bool* blocked, int64_t L, float scale, float* out) {
  const int64_t group = Hq / Hkv;
  auto attend = st::simd::cpu_has_avx2_fma() && D % 8 == 0 && D <= kMaxVectorDim ? attend_avx2 : attend_plain;
  st::parallel_for(0, B * Hq, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> p(L + 8);
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t b = idx / Hq, h = idx % Hq, kvh = h / group;
      attend(q + idx * D, k.data + b * k.s0 + kvh * k.s1, k.s2, v.data + b * v.s0 + kvh * v.s1, v.s2, blocked ? blocked + b * L : nullptr, L,
             D, scale, p.data(), out + idx * D);
    }
  });
}

}  // namespace st::kernels

// q [B, Hq, D] float32; k, v [B, Hkv, L, D] float32 with unit stride in D (views of a cache are fine);
// blocked: null or [B, L] bool, true where a key may not be attended (padding). Returns [B, Hq, D].
// A row whose keys are all blocked averages all L values uniformly (what masking with the lowest float gives).
ST_API Tensor* st_decode_attention(Tensor* qp, Tensor* kp, Tensor* vp, Tensor* blockedp, double scale) {
  ST_TENSOR({
    const at::Tensor& q0 = *qp;
    const at::Tensor& k = *kp;
    const at::Tensor& v = *vp;
    TORCH_CHECK(q0.dim() == 3 && k.dim() == 4 && v.dim() == 4, "decode_attention: expected q [B, Hq, D] and k, v [B, Hkv, L, D]");
    TORCH_CHECK(!(at::GradMode::is_enabled() && (q0.requires_grad() || k.requires_grad() || v.requires_grad())),
                "decode_attention is not differentiable; call it under no-grad");
    TORCH_CHECK(q0.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat,
                "decode_attention: float32 tensors required");
    TORCH_CHECK(q0.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu(), "decode_attention: CPU tensors required");
    const int64_t B = q0.size(0), Hq = q0.size(1), D = q0.size(2), Hkv = k.size(1), L = k.size(2);
    TORCH_CHECK(k.size(0) == B && v.size(0) == B && k.size(3) == D && v.size(3) == D && v.size(1) == Hkv && v.size(2) == L,
                "decode_attention: shapes do not match: q ", q0.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
    TORCH_CHECK(Hkv > 0 && Hq % Hkv == 0, "decode_attention: ", Hq, " query heads are not a multiple of ", Hkv, " KV heads");
    TORCH_CHECK(k.stride(3) == 1 && v.stride(3) == 1, "decode_attention: k and v need unit stride in the last dimension");
    at::Tensor blocked;
    if (blockedp) {
      blocked = blockedp->to(at::kBool).contiguous();
      TORCH_CHECK(blocked.numel() == B * L, "decode_attention: blocked must be [B, L] = [", B, ", ", L, "], got ", blocked.sizes());
    }
    auto q = q0.contiguous();
    auto out = at::empty({B, Hq, D}, q.options());
    const st::kernels::CacheView kv{k.data_ptr<float>(), k.stride(0), k.stride(1), k.stride(2)};
    const st::kernels::CacheView vv{v.data_ptr<float>(), v.stride(0), v.stride(1), v.stride(2)};
    st::kernels::decode_attention(q.data_ptr<float>(), B, Hq, Hkv, D, kv, vv, blockedp ? blocked.data_ptr<bool>() : nullptr, L,
                                  static_cast<float>(scale), out.data_ptr<float>());
    return st::wrap(std::move(out));
  })
}
