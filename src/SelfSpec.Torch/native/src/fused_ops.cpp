// Fused inference kernels for the Llama forward pass in float32 on the CPU: RMSNorm and rotary embedding. Each
// replaces a chain of five or six libtorch ops (and as many full passes over the activations and temporaries)
// with one pass; the rotary one also writes the head-major layout attention wants, sparing a permute copy.
// Not differentiable: training keeps the libtorch-op path.
#include "kernel_pool.h"
#include "kernels.h"
#include "shim.h"
#include "simd_math.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>

// GCC 12's AVX-512 headers trip its own uninitialized-value warning (_mm512_undefined_* in the reduction).
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace {

void require_inference(const at::Tensor& t, const char* op, const char* name) {
  TORCH_CHECK(t.scalar_type() == at::kFloat, op, ": ", name, " must be float32, got ", t.scalar_type());
  TORCH_CHECK(t.device().is_cpu(), op, ": ", name, " must be on the CPU");
  TORCH_CHECK(!(at::GradMode::is_enabled() && t.requires_grad()), op, " is not differentiable; call it under no-grad");
}

__attribute__((target("avx512f"))) double sum_squares_avx512(const float* x, int64_t n) {
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    acc = _mm512_fmadd_ps(v, v, acc);
  }
  double s = _mm512_reduce_add_ps(acc);
  for (; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

double sum_squares_plain(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

// SiLU(g)·u for eight lanes: g / (1 + e^−g) · u, with e^−|g| so the exponential never overflows.
__attribute__((target("avx2,fma"))) inline __m256 silu_mul8(__m256 g, __m256 u) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  const __m256 e = st::simd::exp_nonpositive(_mm256_or_ps(g, sign));  // e^−|g|
  const __m256 denominator = _mm256_add_ps(one, e);
  // sigmoid(g) = 1 / (1 + e^−g) for g ≥ 0, e^g / (1 + e^g) for g < 0.
  const __m256 numerator = _mm256_blendv_ps(one, e, g);
  return _mm256_mul_ps(_mm256_mul_ps(g, _mm256_div_ps(numerator, denominator)), u);
}

__attribute__((target("avx2,fma"))) void silu_mul_avx2(float* gate, const float* up, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(gate + i, silu_mul8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {  // the tail through the same vector code, so an element's bits do not depend on where it lies
    alignas(32) float g[8] = {}, u[8] = {};
    std::copy(gate + i, gate + n, g);
    std::copy(up + i, up + n, u);
    _mm256_store_ps(g, silu_mul8(_mm256_load_ps(g), _mm256_load_ps(u)));
    std::copy(g, g + (n - i), gate + i);
  }
}

// The element-wise loops below, eight lanes at a time. Their targets leave out FMA on purpose: each element must get
// the separately rounded products and sums of the scalar loops (which the decode layer and the op-by-op path share),
// and the compiler may fuse a multiply and an add into one FMA wherever the target has it.

// y[i] = (x[i] · inv) · w[i].
__attribute__((target("avx2"))) void scale_avx2(const float* x, float inv, const float* w, int64_t n, float* y) {
  const __m256 s = _mm256_set1_ps(inv);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), _mm256_loadu_ps(w + i)));
  for (; i < n; ++i) y[i] = (x[i] * inv) * w[i];
}

// rotate_half (below) for half a multiple of 8.
__attribute__((target("avx2"))) void rotate_half_avx2(const float* x, const float* cos, const float* sin, int64_t heads, int64_t D, float* y,
                                                     int64_t y_head_stride) {
  const int64_t half = D / 2;
  for (int64_t h = 0; h < heads; ++h) {
    const float* xr = x + h * D;
    float* yr = y + h * y_head_stride;
    for (int64_t i = 0; i < half; i += 8) {
      const __m256 lo = _mm256_loadu_ps(xr + i), hi = _mm256_loadu_ps(xr + i + half);
      _mm256_storeu_ps(yr + i, _mm256_sub_ps(_mm256_mul_ps(lo, _mm256_loadu_ps(cos + i)), _mm256_mul_ps(hi, _mm256_loadu_ps(sin + i))));
      _mm256_storeu_ps(yr + i + half,
                       _mm256_add_ps(_mm256_mul_ps(hi, _mm256_loadu_ps(cos + i + half)), _mm256_mul_ps(lo, _mm256_loadu_ps(sin + i + half))));
    }
  }
}

}  // namespace

namespace st::kernels {

void rms_norm(const float* xd, const float* wd, int64_t rows, int64_t H, double eps, float* yd) {
  const bool avx512 = st::kernels::use_avx512(), avx2 = st::simd::cpu_has_avx2_fma();
  st::parallel_for(0, rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(H, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = xd + r * H;
      float* yr = yd + r * H;
      const double ss = avx512 ? sum_squares_avx512(xr, H) : sum_squares_plain(xr, H);
      const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(H) + eps));
      if (avx2)
        scale_avx2(xr, inv, wd, H, yr);
      else
        for (int64_t i = 0; i < H; ++i) yr[i] = (xr[i] * inv) * wd[i];
    }
  });
}

void silu_mul(float* gate, const float* up, int64_t n) {
  if (st::simd::cpu_has_avx2_fma())
    silu_mul_avx2(gate, up, n);
  else
    for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void rotate_half(const float* x, const float* cos, const float* sin, int64_t heads, int64_t D, float* y, int64_t y_head_stride) {
  const int64_t half = D / 2;
  if (half % 8 == 0 && st::simd::cpu_has_avx2_fma()) {
    rotate_half_avx2(x, cos, sin, heads, D, y, y_head_stride);
    return;
  }
  for (int64_t h = 0; h < heads; ++h) {
    const float* xr = x + h * D;
    float* yr = y + h * y_head_stride;
    for (int64_t i = 0; i < half; ++i) yr[i] = xr[i] * cos[i] - xr[i + half] * sin[i];
    for (int64_t i = half; i < D; ++i) yr[i] = xr[i] * cos[i] + xr[i - half] * sin[i];
  }
}

}  // namespace st::kernels

// y = x / sqrt(mean(x², last dim) + eps) · weight; x float32 [..., H], weight float32 [H]. Returns a new tensor.
ST_API Tensor* st_rms_norm(Tensor* xp, Tensor* wp, double eps) {
  ST_TENSOR({
    require_inference(*xp, "rms_norm", "input");
    require_inference(*wp, "rms_norm", "weight");
    const int64_t H = xp->size(-1);
    TORCH_CHECK(wp->dim() == 1 && wp->size(0) == H, "rms_norm: weight must be [", H, "], got ", wp->sizes());
    auto x = xp->contiguous();
    auto w = wp->contiguous();
    auto y = at::empty_like(x);
    const int64_t rows = H == 0 ? 0 : x.numel() / H;
    st::kernels::rms_norm(x.data_ptr<float>(), w.data_ptr<float>(), rows, H, eps, y.data_ptr<float>());
    return st::wrap(std::move(y));
  })
}

// Rotate-half rotary embedding fused with the move to head-major layout:
// x [B, T, H, D] → y [B, H, T, D], y = x·cos + rotate_half(x)·sin, rotate_half(x) = [−x[D/2:], x[:D/2]];
// cos and sin broadcast to [B, T, D] (for example [B or 1, T, 1, D]).
ST_API Tensor* st_rotary_heads_first(Tensor* xp, Tensor* cosp, Tensor* sinp) {
  ST_TENSOR({
    require_inference(*xp, "rotary", "input");
    require_inference(*cosp, "rotary", "cos");
    require_inference(*sinp, "rotary", "sin");
    TORCH_CHECK(xp->dim() == 4, "rotary: input must be [B, T, H, D], got ", xp->sizes());
    const int64_t B = xp->size(0), T = xp->size(1), H = xp->size(2), D = xp->size(3);
    TORCH_CHECK(D % 2 == 0, "rotary: head_dim must be even, got ", D);
    TORCH_CHECK(cosp->numel() > 0 && cosp->size(-1) == D && sinp->sizes() == cosp->sizes(), "rotary: cos and sin must be [.., ", D, "] of one shape, got ",
                cosp->sizes(), " and ", sinp->sizes());
    auto table = [&](const at::Tensor& t) { return t.reshape({-1, T, D}).expand({B, T, D}).contiguous(); };
    auto cos = table(*cosp);
    auto sin = table(*sinp);
    auto x = xp->contiguous();
    auto y = at::empty({B, H, T, D}, x.options());
    const float* xd = x.data_ptr<float>();
    const float* cd = cos.data_ptr<float>();
    const float* sd = sin.data_ptr<float>();
    float* yd = y.data_ptr<float>();
    st::parallel_for(0, B * T, std::max<int64_t>(1, 16384 / std::max<int64_t>(H * D, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t b = p / T, t = p % T;
        st::kernels::rotate_half(xd + p * H * D, cd + p * D, sd + p * D, H, D, yd + (b * H * T + t) * D, T * D);
      }
    });
    return st::wrap(std::move(y));
  })
}

// SiLU(gate) · up elementwise (the SwiGLU MLP's product), float32 of one shape, computed as the fused decode layer
// computes it (a few ulp from libtorch's SiLU, whose vector and scalar paths differ, so its bits for an element depend
// on the tensor's size). Returns a new tensor. Parallel over blocks of whole vectors.
ST_API Tensor* st_silu_mul(Tensor* gatep, Tensor* upp) {
  ST_TENSOR({
    require_inference(*gatep, "silu_mul", "gate");
    require_inference(*upp, "silu_mul", "up");
    TORCH_CHECK(gatep->sizes() == upp->sizes(), "silu_mul: gate ", gatep->sizes(), " and up ", upp->sizes(), " differ in shape");
    auto y = gatep->contiguous().clone();
    auto up = upp->contiguous();
    float* yd = y.data_ptr<float>();
    const float* ud = up.data_ptr<float>();
    const int64_t n = y.numel();
    constexpr int64_t kBlock = 4096;  // a multiple of 8: every block but the last is whole vectors
    st::parallel_for(0, (n + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t i = b * kBlock;
        st::kernels::silu_mul(yd + i, ud + i, std::min(kBlock, n - i));
      }
    });
    return st::wrap(std::move(y));
  })
}
