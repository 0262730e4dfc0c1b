// One Llama decoder layer for one new token per row (the decode step), fused into a single call:
//
//   x = RMSNorm(h)                          q, k, v = x·Wqᵀ, x·Wkᵀ, x·Wvᵀ (+ biases)
//   q, k = rotary(q), rotary(k)             cache[position] = k, v
//   h += attention(q, cache[0..position])·Woᵀ
//   x = RMSNorm(h)                          h += (SiLU(x·Wgateᵀ) ⊙ x·Wupᵀ)·Wdownᵀ
//
// Done op by op through libtorch this is ~16 dispatches per layer, each with its tensor allocations and the C# calls
// around it: on two cores ~12 µs each, ~2.3 ms of every decode step of the 12-layer benchmark model and most of the
// step of the pipeline's small demonstration model. Here the pieces run back to back over scratch buffers, with the
// same kernels the separate ops use (kernels.h), so the norms, rotary and attention give the same bits as the op-by-op
// path. The projections take the weights in the tiled layout of tiled_linear.cpp (st_tile_weight), and SiLU is computed
// here rather than by libtorch (a few ulp apart).
//
// LoRA adapters, unmerged and one per row (multi-LoRA serving), are added to each group of projections inside its
// parallel region (LoraInLinear, lora.h): every block of outputs gets its rows' updates right after its projection, on
// the thread that computed it, with the arithmetic of lora_update, the kernel the op-by-op forward pass uses for them,
// so an adapter row's bits do not depend on the path, and base rows beside adapter rows keep theirs.
#include "kernels.h"
#include "lora.h"
#include "shim.h"
#include "simd_math.h"

#include <c10/core/GradMode.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

enum Projection { kQuery, kKey, kValue, kOutput, kGate, kUp, kDown, kProjections };
const char* const kProjectionNames[kProjections] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

void check_f32_cpu(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.scalar_type() == at::kFloat, "decode_layer: ", name, " must be float32, got ", t.scalar_type());
  TORCH_CHECK(t.device().is_cpu(), "decode_layer: ", name, " must be on the CPU");
  TORCH_CHECK(!(at::GradMode::is_enabled() && t.requires_grad()), "decode_layer is not differentiable; call it under no-grad");
}

// h[i] += delta[i], eight lanes at a time where AVX2 is (the layer needs it for the tiled projections anyway).
__attribute__((target("avx2"))) void add_into(float* h, const float* delta, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(h + i, _mm256_add_ps(_mm256_loadu_ps(h + i), _mm256_loadu_ps(delta + i)));
  for (; i < n; ++i) h[i] += delta[i];
}

}  // namespace

// h [B, H] (or [B, 1, H]) float32, updated in place to the layer's output. weights[7]: q, k, v, o, gate, up, down, each
// tiled (st_tile_weight of [out, in]: [⌈out/16⌉, in, 16]), all float32 or all bfloat16; biases[7] (float32 [out] or
// null). head_dim and intermediate give the projections' sizes. cos, sin: [B, D] float32
// (for example [B, 1, 1, D]). cache_k, cache_v: [B, Hkv, capacity, D] float32 with unit stride in D; this step's key
// and value go to `position`, and attention covers positions 0..position. blocked: null or [B, position + 1] bool
// (true = padding, not attended). LoRA: lora_count adapters (0: none) with lora_a and lora_b [7 x lora_count]
// (projection-major: entry p·lora_count + i is adapter i's matrix for projection p, A [rank, in] and B [out, rank]
// float32, both null where adapter i does not adapt projection p), lora_scales [lora_count], and lora_rows [B]: each
// row's adapter index, −1 for none.
ST_API int32_t st_llama_decode_layer(Tensor* hp, Tensor* input_normp, Tensor* post_normp, double eps, Tensor** weights, Tensor** biases,
                                     Tensor* cosp, Tensor* sinp, Tensor* cache_kp, Tensor* cache_vp, int64_t position, Tensor* blockedp,
                                     int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t intermediate, int32_t lora_count, Tensor** lora_a,
                                     Tensor** lora_b, const double* lora_scales, const int32_t* lora_rows) {
  ST_STATUS({
    namespace k = st::kernels;
    TORCH_CHECK(k::tiled_linear_available(), "decode_layer: needs a CPU with AVX2 and FMA");
    at::Tensor& h = *hp;
    check_f32_cpu(h, "hidden state");
    TORCH_CHECK(h.is_contiguous() && h.dim() >= 2, "decode_layer: the hidden state must be a contiguous [B, H] tensor, got ", h.sizes());
    const int64_t B = h.size(0), H = h.size(-1);
    TORCH_CHECK(h.numel() == B * H, "decode_layer: one token per row expected, got hidden state ", h.sizes());
    TORCH_CHECK(B >= 1 && B <= k::kLinearMaxRows, "decode_layer: ", B, " rows; at most ", k::kLinearMaxRows);
    TORCH_CHECK(heads >= 1 && kv_heads >= 1 && heads % kv_heads == 0, "decode_layer: ", heads, " query heads are not a multiple of ", kv_heads,
                " KV heads");

    const at::Tensor input_norm = input_normp->contiguous(), post_norm = post_normp->contiguous();
    check_f32_cpu(input_norm, "input norm weight");
    check_f32_cpu(post_norm, "post-attention norm weight");
    TORCH_CHECK(input_norm.numel() == H && post_norm.numel() == H, "decode_layer: norm weights must be [", H, "]");

    const int64_t D = head_dim, I = intermediate;
    TORCH_CHECK(D >= 2 && D % 2 == 0 && I >= 1, "decode_layer: head_dim must be even and positive, got ", D, "; intermediate size ", I);
    const int64_t out_features[kProjections] = {heads * D, kv_heads * D, kv_heads * D, H, I, I, H};
    const int64_t in_features[kProjections] = {H, H, H, heads * D, H, H, I};
    const auto weight_type = weights[kQuery]->scalar_type();
    TORCH_CHECK(weight_type == at::kFloat || weight_type == at::kBFloat16, "decode_layer: weights must be float32 or bfloat16, got ", weight_type);
    for (int p = 0; p < kProjections; ++p) {
      const at::Tensor& w = *weights[p];
      const int64_t tiles = (out_features[p] + k::kTile - 1) / k::kTile;
      TORCH_CHECK(w.dim() == 3 && w.size(0) == tiles && w.size(1) == in_features[p] && w.size(2) == k::kTile, "decode_layer: ", kProjectionNames[p],
                  " must be tiled [", tiles, ", ", in_features[p], ", ", k::kTile, "] (", out_features[p], " x ", in_features[p], "), got ", w.sizes());
      TORCH_CHECK(w.scalar_type() == weight_type && w.is_contiguous() && w.device().is_cpu(), "decode_layer: ", kProjectionNames[p],
                  " must be a contiguous CPU tensor of the same dtype as q_proj (", weight_type, ")");
      TORCH_CHECK(!(at::GradMode::is_enabled() && w.requires_grad()), "decode_layer is not differentiable; call it under no-grad");
      if (biases[p]) {
        check_f32_cpu(*biases[p], "bias");
        TORCH_CHECK(biases[p]->is_contiguous() && biases[p]->numel() == out_features[p], "decode_layer: ", kProjectionNames[p], " bias must be [",
                    out_features[p], "]");
      }
    }

    const at::Tensor cos = cosp->contiguous(), sin = sinp->contiguous();
    check_f32_cpu(cos, "cos");
    check_f32_cpu(sin, "sin");
    TORCH_CHECK(cos.numel() == B * D && sin.numel() == B * D, "decode_layer: cos and sin must hold [", B, ", ", D, "], got ", cos.sizes(), " and ",
                sin.sizes());

    const at::Tensor& ck = *cache_kp;
    const at::Tensor& cv = *cache_vp;
    check_f32_cpu(ck, "key cache");
    check_f32_cpu(cv, "value cache");
    TORCH_CHECK(ck.dim() == 4 && ck.size(0) == B && ck.size(1) == kv_heads && ck.size(3) == D && ck.stride(3) == 1 && cv.sizes() == ck.sizes() &&
                    cv.stride(3) == 1,
                "decode_layer: caches must be [", B, ", ", kv_heads, ", capacity, ", D, "] with unit stride in the last dimension, got ", ck.sizes(),
                " and ", cv.sizes());
    TORCH_CHECK(position >= 0 && position < ck.size(2), "decode_layer: position ", position, " is outside the cache's capacity ", ck.size(2));
    const int64_t L = position + 1;
    at::Tensor blocked;
    if (blockedp) {
      blocked = blockedp->to(at::kBool).contiguous();
      TORCH_CHECK(blocked.numel() == B * L, "decode_layer: blocked must be [", B, ", ", L, "], got ", blockedp->sizes());
    }

    // LoRA matrices per projection, checked up front (matrices[p·lora_count + i]).
    TORCH_CHECK(lora_count == 0 || (lora_a && lora_b), "decode_layer: ", lora_count, " adapters but no matrices");
    std::vector<float> lora_scale(static_cast<size_t>(std::max(lora_count, 0)));
    k::check_lora_rows("decode_layer", lora_count, lora_scales, lora_rows, B, lora_scale.data());
    std::vector<k::LoraMatrices> lora(static_cast<size_t>(kProjections * lora_count));
    for (int p = 0; p < kProjections && lora_count > 0; ++p)
      k::check_lora_matrices("decode_layer", kProjectionNames[p], lora_count, lora_a + p * lora_count, lora_b + p * lora_count, in_features[p],
                             out_features[p], lora.data() + p * lora_count);
    const k::LoraRows rows{lora_rows, 1, lora_count, lora_scale.data()};
    const bool bf16 = weight_type == at::kBFloat16;
    // A group of projections of the same input, with the rows' adapters' updates (lora.h) computed in the same parallel
    // region, each block of outputs updated right after its projection.
    auto project = [&](const float* input, int64_t in, const int* projections, const k::TiledTarget* outputs, int count) {
      if (lora_count == 0) {
        k::tiled_linear(input, B, in, outputs, count, bf16);
        return;
      }
      k::LoraTarget targets[k::kLinearMaxGroup];
      for (int i = 0; i < count; ++i) targets[i] = k::LoraTarget{outputs[i].y, out_features[projections[i]], lora.data() + projections[i] * lora_count};
      const k::LoraInLinear updates(input, B, in, targets, count, rows);
      k::tiled_linear(input, B, in, outputs, count, bf16, updates.extra());
    };

    // Scratch: x (normed input), q (projected), qr (rotated), k, v, attended, the MLP's gate and up, and the
    // projection outputs added to h.
    thread_local std::vector<float> scratch;
    const int64_t qn = B * heads * D, kvn = B * kv_heads * D;
    scratch.resize(static_cast<size_t>(B * H * 2 + qn * 3 + kvn * 2 + B * I * 2));
    float* x = scratch.data();
    float* q = x + B * H;
    float* qr = q + qn;
    float* kk = qr + qn;
    float* vv = kk + kvn;
    float* attended = vv + kvn;
    float* gate = attended + qn;
    float* up = gate + B * I;
    float* delta = up + B * I;

    auto target = [&](int p, float* y) {
      return k::TiledTarget{weights[p]->data_ptr(), out_features[p], biases[p] ? biases[p]->data_ptr<float>() : nullptr, y};
    };
    float* hd = h.data_ptr<float>();

    // Attention block.
    k::rms_norm(hd, input_norm.data_ptr<float>(), B, H, eps, x);
    const k::TiledTarget qkv[3] = {target(kQuery, q), target(kKey, kk), target(kValue, vv)};
    static const int kQkv[3] = {kQuery, kKey, kValue};
    project(x, H, kQkv, qkv, 3);
    float* kd = ck.data_ptr<float>();
    float* vd = cv.data_ptr<float>();
    const float* cd = cos.data_ptr<float>();
    const float* sd = sin.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) {
      k::rotate_half(q + b * heads * D, cd + b * D, sd + b * D, heads, D, qr + b * heads * D, D);
      k::rotate_half(kk + b * kv_heads * D, cd + b * D, sd + b * D, kv_heads, D, kd + b * ck.stride(0) + position * ck.stride(2), ck.stride(1));
      for (int64_t g = 0; g < kv_heads; ++g)
        std::copy_n(vv + (b * kv_heads + g) * D, D, vd + b * cv.stride(0) + g * cv.stride(1) + position * cv.stride(2));
    }
    k::causal_attention(qr, B, heads, 1, kv_heads, D, k::CacheView{kd, ck.stride(0), ck.stride(1), ck.stride(2)},
                        k::CacheView{vd, cv.stride(0), cv.stride(1), cv.stride(2)}, blockedp ? blocked.data_ptr<bool>() : nullptr, L,
                        static_cast<float>(1.0 / std::sqrt(static_cast<double>(D))), attended);
    const k::TiledTarget o = target(kOutput, delta);
    static const int kO[1] = {kOutput};
    project(attended, heads * D, kO, &o, 1);
    add_into(hd, delta, B * H);

    // MLP block.
    k::rms_norm(hd, post_norm.data_ptr<float>(), B, H, eps, x);
    const k::TiledTarget gate_up[2] = {target(kGate, gate), target(kUp, up)};
    static const int kGateUp[2] = {kGate, kUp};
    project(x, H, kGateUp, gate_up, 2);
    k::silu_mul(gate, up, B * I);
    const k::TiledTarget down = target(kDown, delta);
    static const int kDownOnly[1] = {kDown};
    project(gate, I, kDownOnly, &down, 1);
    add_into(hd, delta, B * H);
  })
}

ST_API int32_t st_llama_decode_layer_available() { return st::kernels::tiled_linear_available() ? 1 : 0; }
