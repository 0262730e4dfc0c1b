// Raw-pointer entry points of the shim's float32 inference kernels. The ST_API ops (st_tiled_linear_group, st_rms_norm,
// st_rotary_heads_first, st_decode_attention) wrap them for tensors one call at a time; the fused decoder layer (decode_layer.cpp) chains them
// over its own scratch buffers, without a libtorch op or a tensor allocation between them. Both paths run the same
// code, so an op computes the same bits whichever way it is reached.
#pragma once

#include <cstdint>

namespace st::kernels {

// ---- linear_rows.cpp (the row-major kernel) and tiled_linear.cpp ----

// The most rows of x the row-major kernel (linear_rows.cpp; beyond that a BLAS gemm wins) and the fused decode layer take.
constexpr int64_t kLinearMaxRows = 32;
// The most weights one call of a streaming linear kernel takes.
constexpr int kLinearMaxGroup = 8;

// One weight of a group: w (float32, or bfloat16 bits) in the layout of the kernel it goes to (row-major [N, K] for
// linear_rows, tiled [⌈N/16⌉, K, 16] for tiled_linear), N output features, bias [N] or null, output y [M, N].
struct LinearTarget {
  const void* w;
  int64_t N;
  const float* bias;
  float* y;
};

// Whether the linear kernels (row-major and tiled) use AVX-512: the CPU has it and it is not switched off
// (SELFSPEC_NO_AVX512, st_linear_rows_set_avx512), so the AVX2 kernels can be checked on an AVX-512 machine.
bool use_avx512();

// ---- tiled_linear.cpp ----

// Output features per tile of a tiled weight.
constexpr int64_t kTile = 16;

// One tiled weight of a group (st_tile_weight makes the layout).
using TiledTarget = LinearTarget;

// Whether the tiled linear kernel can run on this CPU (AVX2 and FMA).
bool tiled_linear_available();

// y_i = x·W_iᵀ + b_i for each of `count` tiled targets (≤ kLinearMaxGroup), x [M, K] row-major (any M ≥ 1), every
// weight of one dtype. One parallel region on the kernel pool over row panels and the tiles of all targets.
void tiled_linear(const float* x, int64_t M, int64_t K, const TiledTarget* targets, int count, bool bf16_weights);

// ---- fused_ops.cpp ----

// y[r] = x[r] / sqrt(mean(x[r]²) + eps) · w for rows r of H floats (x and y may not overlap). Parallel over rows.
void rms_norm(const float* x, const float* w, int64_t rows, int64_t H, double eps, float* y);

// y[h] = x[h]·cos + rotate_half(x[h])·sin for `heads` heads of D floats, rotate_half(x) = [−x[D/2:], x[:D/2]]; x holds
// the heads contiguously, y's heads are y_head_stride floats apart.
void rotate_half(const float* x, const float* cos, const float* sin, int64_t heads, int64_t D, float* y, int64_t y_head_stride);

// ---- decode_attention.cpp ----

// A strided [B, heads, L, D] float32 view (unit stride in D): element (b, h, l, d) at data[b·s0 + h·s1 + l·s2 + d].
struct CacheView {
  const float* data;
  int64_t s0, s1, s2;
};

// out[b, h] = softmax(scale · K[b, h / group]·q[b, h], blocked keys masked) · V[b, h / group], q and out [B, Hq, D]
// contiguous, k and v [B, Hkv, L, D], blocked [B, L] (true = do not attend) or null. Parallel over (row, head).
void decode_attention(const float* q, int64_t B, int64_t Hq, int64_t Hkv, int64_t D, const CacheView& k, const CacheView& v,
                      const bool* blocked, int64_t L, float scale, float* out);

}  // namespace st::kernels
