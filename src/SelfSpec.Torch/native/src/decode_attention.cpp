// Attention of one new query position over a KV cache (the decode step), fused: for every (row, query head) one
// pass computes the scores against the cached keys, the softmax and the weighted sum of the values, with no
// intermediate tensors and no batched-gemm calls (at::matmul here becomes B·H tiny gemms, each paying BLAS
// dispatch and threading overhead). Grouped-query attention: query head h reads KV head h / (Hq / Hkv).
#include "shim.h"

#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float r = _mm_cvtss_f32(s);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

__attribute__((target("avx2,fma"))) void axpy_avx2(float alpha, const float* x, float* y, int64_t n) {
  const __m256 a = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

float dot_plain(const float* a, const float* b, int64_t n) {
  float r = 0;
  for (int64_t i = 0; i < n; ++i) r += a[i] * b[i];
  return r;
}

void axpy_plain(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace

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
    auto out = at::zeros({B, Hq, D}, q.options());
    const float* qd = q.data_ptr<float>();
    const float* kd = k.data_ptr<float>();
    const float* vd = v.data_ptr<float>();
    const bool* bd = blockedp ? blocked.data_ptr<bool>() : nullptr;
    float* od = out.data_ptr<float>();
    const int64_t group = Hq / Hkv;
    const bool simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    auto dot = simd ? dot_avx2 : dot_plain;
    auto axpy = simd ? axpy_avx2 : axpy_plain;
    const float s = static_cast<float>(scale);
    at::parallel_for(0, B * Hq, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> p(L);
      for (int64_t idx = begin; idx < end; ++idx) {
        const int64_t b = idx / Hq, h = idx % Hq, kvh = h / group;
        const float* qv = qd + idx * D;
        const float* kb = kd + b * k.stride(0) + kvh * k.stride(1);
        const float* vb = vd + b * v.stride(0) + kvh * v.stride(1);
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t l = 0; l < L; ++l) {
          if (bd && bd[b * L + l]) {
            p[l] = -std::numeric_limits<float>::infinity();
            continue;
          }
          p[l] = dot(qv, kb + l * k.stride(2), D) * s;
          mx = std::max(mx, p[l]);
        }
        float sum = 0;
        for (int64_t l = 0; l < L; ++l) {
          p[l] = std::isinf(mx) ? 1.0f : (std::isinf(p[l]) ? 0.0f : std::exp(p[l] - mx));
          sum += p[l];
        }
        float* o = od + idx * D;
        const float inv = 1.0f / sum;
        for (int64_t l = 0; l < L; ++l)
          if (p[l] != 0.0f) axpy(p[l] * inv, vb + l * v.stride(2), o, D);
      }
    });
    return st::wrap(std::move(out));
  })
}
