// Vectorised float math and loads shared by the shim's kernels (AVX2 + FMA; callers check the CPU first).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <limits>

namespace st::simd {

// Whether this CPU runs the AVX2 + FMA code below (checked once).
inline bool cpu_has_avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

// exp(x) for x ≤ 0 (Cephes expf: range reduction by ln 2, degree-5 polynomial; relative error ~1e-7).
// Lanes where x is −∞ give exactly 0.
__attribute__((target("avx2,fma"))) inline __m256 exp_nonpositive(__m256 x) {
  const __m256 minus_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256 is_minus_inf = _mm256_cmp_ps(x, minus_inf, _CMP_EQ_OQ);
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
  const __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(x, x), x), _mm256_set1_ps(1.0f));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(is_minus_inf, _mm256_mul_ps(y, _mm256_castsi256_ps(exponent)));
}

// The sum of v's eight lanes: (lo + hi) halves, then pairs, then the last two — one fixed order, so the kernels that
// share it reduce alike.
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight float32 weights at w[i..i+8), from float32 or bfloat16 storage (bf16 widened exactly).
template <bool BF16>
__attribute__((target("avx2,fma"))) inline __m256 load8(const void* w, int64_t i) {
  if constexpr (BF16) {
    auto half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(w) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
  } else {
    return _mm256_loadu_ps(static_cast<const float*>(w) + i);
  }
}

// Sixteen float32 weights at w[i..i+16), from float32 or bfloat16 storage.
template <bool BF16>
__attribute__((target("avx512f,avx512bw,avx512vl,fma"))) inline __m512 load16(const void* w, int64_t i) {
  if constexpr (BF16) {
    auto half = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(w) + i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
  } else {
    return _mm512_loadu_ps(static_cast<const float*>(w) + i);
  }
}

}  // namespace st::simd
