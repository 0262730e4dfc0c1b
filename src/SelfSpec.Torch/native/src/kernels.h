// Raw-pointer entry points of the shim's float32 inference kernels. The ST_API ops (st_tiled_linear_group, st_rms_norm,
// st_rotary_heads_first, st_decode_attention, st_causal_attention, st_silu_mul) wrap them for tensors one call at a time; the fused decoder layer (decode_layer.cpp) chains them
// over its own scratch buffers, without a libtorch op or a tensor allocation between them. Both paths run the same
// code, so an op computes the same bits whichever way it is reached.
#pragma once

#include <cstdint>

namespace st::kernels {

// ---- linear_rows.cpp (the row-major kernel) and tiled_linear.cpp ----

// The most rows the fused decode layer takes (its scratch is sized per call; the linear kernels take any number).
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

// ---- kernel_isa.cpp ----

// The instruction set of the SIMD kernels (values match st_kernel_isa).
enum class Isa : int32_t { Avx2 = 1, Avx512 = 2, Plain = 3 };

// The ISA in use: SELFSPEC_KERNEL_ISA (avx2, avx512, auto) or st_set_kernel_isa, else the CPU's best. Throws when the
// chosen one is unknown or missing on this CPU. Each kernel reads it once per call, before its parallel region.
Isa kernel_isa();

// Whether the kernels that have an AVX-512 variant (linear, RMSNorm) use it: kernel_isa() == Isa::Avx512.
bool use_avx512();

// ---- tiled_linear.cpp ----

// Output features per tile of a tiled weight.
constexpr int64_t kTile = 16;

// One tiled weight of a group (st_tile_weight makes the layout).
using TiledTarget = LinearTarget;

// Whether the tiled linear kernel can run on this CPU (AVX2 and FMA).
bool tiled_linear_available();

// Work a tiled_linear call does besides its projections, in the same parallel region (so no second hand-off to the
// pool): `before_items` independent items before(context, item), all finished before the first after() call, and
// after(context, target, m0, m1, n0, n1) once rows [m0, m1) of target `target`'s outputs [n0, n1) are final (the
// projection written, bias included), called once for each such block, n0 a multiple of kTile. None may throw. Where
// the items run (which thread, in which order) must not change what they compute: the fused decode layer's LoRA
// updates (lora.h) use it.
struct TiledExtra {
  int64_t before_items;
  void (*before)(const void* context, int64_t item);
  void (*after)(const void* context, int target, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
  // Called with after()'s arguments before the block's projection is computed (say, to prefetch what after() reads
  // behind it); null: nothing.
  void (*prepare)(const void* context, int target, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
  const void* context;
};

// y_i = x·W_iᵀ + b_i for each of `count` tiled targets (≤ kLinearMaxGroup), x [M, K] row-major (any M ≥ 1), every
// weight of one dtype. One parallel region on the kernel pool over row panels and the tiles of all targets (and the
// items of `extra` when given).
void tiled_linear(const float* x, int64_t M, int64_t K, const TiledTarget* targets, int count, bool bf16_weights,
                  const TiledExtra* extra = nullptr);

// ---- fused_ops.cpp ----

// y[r] = x[r] / sqrt(mean(x[r]²) + eps) · w for rows r of H floats (x and y may not overlap). Parallel over rows.
void rms_norm(const float* x, const float* w, int64_t rows, int64_t H, double eps, float* y);

// y[h] = x[h]·cos + rotate_half(x[h])·sin for `heads` heads of D floats, rotate_half(x) = [−x[D/2:], x[:D/2]]; x holds
// the heads contiguously, y's heads are y_head_stride floats apart (x and y may not overlap).
void rotate_half(const float* x, const float* cos, const float* sin, int64_t heads, int64_t D, float* y, int64_t y_head_stride);

// ---- decode_attention.cpp ----

// A strided [B, heads, L, D] float32 view (unit stride in D): element (b, h, l, d) at data[b·s0 + h·s1 + l·s2 + d].
struct CacheView {
  const float* data;
  int64_t s0, s1, s2;
};

// out[b, h, t] = softmax(scale · K[b, h / group]·q[b, h, t]) · V[b, h / group] over the keys query t sees: the unblocked
// ones among positions 0 .. L − T + t (the T queries are the last T positions). q and out [B, Hq, T, D] contiguous, k
// and v [B, Hkv, L, D], blocked [B, L] (true = do not attend) or null. Only the visible keys enter the sums, in position
// order counted from the first, so a query's output does not depend on the padding before it, on T, or on the other
// rows: a decode step (T = 1) and a prefill give the same bits for the same position. Parallel over (row, head, query).
void causal_attention(const float* q, int64_t B, int64_t Hq, int64_t T, int64_t Hkv, int64_t D, const CacheView& k, const CacheView& v,
                      const bool* blocked, int64_t L, float scale, float* out);

// gate[i] = SiLU(gate[i]) · up[i] for n floats, every element by the same vector code wherever it lies (the last
// partial vector goes through a padded copy), so the result does not depend on n or the element's index.
void silu_mul(float* gate, const float* up, int64_t n);

}  // namespace st::kernels
