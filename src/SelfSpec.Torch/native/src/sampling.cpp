// Sampling kernels for float32 logits on the CPU: top-p (nucleus) filtering without sorting the vocabulary, and one
// draw per row by inverse CDF.
//
// Top-p: Hugging Face's TopPLogitsWarper sorts each row ascending, takes the softmax's running sum and removes every
// token whose running sum is ≤ 1 − p (never the most likely one). In libtorch that is a sort, a softmax, a cumsum, a
// scatter and a masked fill per decode step: at a 2,048-token vocabulary and 8 rows the sort alone took more of a
// sampled generation's time than the model's decoder layers. The removed tokens are a prefix of the ascending order
// whose mass is ≤ (1 − p)·Z (Z the softmax's denominator), so its end can be found in linear time: tokens of mass
// ≤ (1 − p)·Z / V are in it whatever the order, tokens of mass > (1 − p)·Z are not, and a histogram of the rest over
// score buckets leaves one bucket to sort. Ties order by token index, as a stable sort does. Masses are summed in
// double (the warper's cumsum also accumulates in double), by bucket rather than in sorted order, so only a token whose
// running sum lies within rounding of the threshold could be decided differently.
//
// Draw: libtorch's multinomial draws an exponential variate for every token (a log each) and takes argmax(p / q);
// one uniform per row and a walk along the running sum of exp(s − max) picks from the same distribution with one
// random number instead of V.
//
// exp(s − max) is the vectorised exp of simd_math.h where the CPU has AVX2 (the same bits on every such CPU), else
// std::exp.
#include "kernel_pool.h"
#include "shim.h"
#include "simd_math.h"

#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace {

// A key that orders like (score, index): the float's bits mapped to an unsigned integer ordered like the float (−0
// and +0 made equal first), then the index. Keys are unique, so sorting them gives one order, a stable sort's.
inline uint64_t order_key(float v, uint32_t index) {
  if (v == 0.0f) v = 0.0f;
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  return (static_cast<uint64_t>(bits) << 32) | index;
}

inline uint32_t key_index(uint64_t key) { return static_cast<uint32_t>(key); }

__attribute__((target("avx2,fma"))) double masses_avx2(const float* s, int64_t V, float max, double* mass) {
  const __m256 m = _mm256_set1_ps(max);
  double z = 0;
  alignas(32) float e[8];
  for (int64_t j = 0; j < V; j += 8) {
    const int64_t n = std::min<int64_t>(8, V - j);
    __m256 x;
    if (n == 8) {
      x = _mm256_loadu_ps(s + j);
    } else {
      alignas(32) float tail[8];
      std::fill(tail, tail + 8, -std::numeric_limits<float>::infinity());
      std::copy(s + j, s + j + n, tail);
      x = _mm256_load_ps(tail);
    }
    _mm256_store_ps(e, st::simd::exp_nonpositive(_mm256_sub_ps(x, m)));
    for (int64_t i = 0; i < n; ++i) z += mass[j + i] = e[i];
  }
  return z;
}

// mass[j] = exp(s[j] − max) (0 for −∞); returns their sum.
double masses(const float* s, int64_t V, float max, double* mass) {
  if (st::simd::cpu_has_avx2_fma()) return masses_avx2(s, V, max, mass);
  double z = 0;
  for (int64_t j = 0; j < V; ++j) z += mass[j] = std::exp(s[j] - max);
  return z;
}

// The largest score of a row; a NaN score is an error naming the row.
float row_max(const float* s, int64_t V, int64_t row, const char* op) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < V; ++j) {
    TORCH_CHECK(!std::isnan(s[j]), op, ": row ", row, " has a NaN score (token ", j, ")");
    max = std::max(max, s[j]);
  }
  return max;
}

// A candidate of the top-p search: its order key and its mass.
struct Candidate {
  uint64_t key;
  double mass;
};

// Buckets of the histogram that narrows the candidates down to the few around the threshold.
constexpr int kBuckets = 2048;

// out = s with the tokens top-p removes set to −∞. candidates and mass are V-long scratch.
void top_p_row(const float* s, int64_t V, int64_t row, double top_p, float* out, Candidate* candidates, double* mass) {
  const float max = row_max(s, V, row, "top_p_filter");
  if (max == -std::numeric_limits<float>::infinity()) {  // nothing left to filter
    std::memcpy(out, s, V * sizeof(float));
    return;
  }
  const double budget = (1.0 - top_p) * masses(s, V, max, mass);
  const float minus_inf = -std::numeric_limits<float>::infinity();

  // Tokens of mass ≤ budget / V are an ascending prefix of at most the budget: removed without ordering them. Tokens
  // of mass > budget are kept. Only those between are candidates, in candidates[0, n). Branch-free: which way a token
  // goes is unpredictable.
  const double low = budget / static_cast<double>(V);
  double removed = 0;
  int64_t n = 0, top = 0;
  float lowest = std::numeric_limits<float>::infinity(), highest = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < V; ++j) {
    top = s[j] >= s[top] ? j : top;  // the last of the largest: what a stable ascending sort puts last
    const bool gone = mass[j] <= low;
    const bool candidate = !gone && mass[j] <= budget;
    removed += gone ? mass[j] : 0.0;
    out[j] = gone ? minus_inf : s[j];
    candidates[n] = Candidate{order_key(s[j], static_cast<uint32_t>(j)), mass[j]};
    lowest = candidate ? std::min(lowest, s[j]) : lowest;
    highest = candidate ? std::max(highest, s[j]) : highest;
    n += candidate;
  }
  if (n == 0) {
    out[top] = s[top];
    return;
  }

  // Histogram of the candidates' mass over score buckets (bucket order is score order, ties in one bucket): every
  // bucket below the one where the running mass passes the budget is removed whole; that one is sorted and walked.
  const float scale = highest > lowest ? (kBuckets - 1) / (highest - lowest) : 0.0f;
  auto bucket_of = [&](uint64_t key) {
    return std::min(kBuckets - 1, static_cast<int>((s[key_index(key)] - lowest) * scale));
  };
  double bucket_mass[kBuckets] = {};
  for (int64_t k = 0; k < n; ++k) bucket_mass[bucket_of(candidates[k].key)] += candidates[k].mass;
  int boundary = 0;
  for (; boundary < kBuckets && removed + bucket_mass[boundary] <= budget; ++boundary) removed += bucket_mass[boundary];
  int64_t m = 0;  // the boundary bucket's candidates move to the front
  for (int64_t k = 0; k < n; ++k) {
    const int b = bucket_of(candidates[k].key);
    if (b < boundary) out[key_index(candidates[k].key)] = minus_inf;
    if (b == boundary) candidates[m++] = candidates[k];
  }
  std::sort(candidates, candidates + m, [](const Candidate& x, const Candidate& y) { return x.key < y.key; });
  for (int64_t k = 0; k < m && removed + candidates[k].mass <= budget; ++k) {
    removed += candidates[k].mass;
    out[key_index(candidates[k].key)] = minus_inf;
  }
  out[top] = s[top];  // the most likely token always stays
}

// The token a uniform u ∈ [0, 1) picks from softmax(s): the first whose running sum of exp(s − max) exceeds u·Z.
int64_t draw_row(const float* s, int64_t V, int64_t row, double u, double* mass) {
  const float max = row_max(s, V, row, "sample_rows");
  TORCH_CHECK(max > -std::numeric_limits<float>::infinity(), "sample_rows: row ", row, " has no token left to sample (every score is -inf)");
  const double target = u * masses(s, V, max, mass);
  double running = 0;
  int64_t last = 0;
  for (int64_t j = 0; j < V; ++j) {
    if (mass[j] == 0) continue;
    running += mass[j];
    last = j;
    if (running > target) return j;
  }
  return last;  // u·Z rounded up to the total
}

}  // namespace

// scores [..., V] float32 on the CPU → a copy with the tokens top-p filtering removes set to −∞ (Hugging Face's
// TopPLogitsWarper with min_tokens_to_keep = 1), 0 < top_p ≤ 1. Parallel over rows.
ST_API Tensor* st_top_p_filter(Tensor* sp, double top_p) {
  ST_TENSOR({
    const at::Tensor& s0 = *sp;
    TORCH_CHECK(s0.scalar_type() == at::kFloat && s0.device().is_cpu() && s0.dim() >= 1, "top_p_filter: scores must be a float32 CPU tensor, got ",
                s0.scalar_type(), " on ", s0.device());
    TORCH_CHECK(top_p > 0 && top_p <= 1, "top_p_filter: top_p must be in (0, 1], got ", top_p);
    TORCH_CHECK(!(at::GradMode::is_enabled() && s0.requires_grad()), "top_p_filter is not differentiable; call it under no-grad");
    const int64_t V = s0.size(-1);
    TORCH_CHECK(V >= 1 && V <= std::numeric_limits<uint32_t>::max(), "top_p_filter: vocabulary of ", V, " tokens is out of range");
    auto s = s0.contiguous();
    auto out = at::empty_like(s);
    const int64_t rows = s.numel() / V;
    if (top_p == 1) {
      out.copy_(s);
      return st::wrap(std::move(out));
    }
    const float* sd = s.data_ptr<float>();
    float* od = out.data_ptr<float>();
    st::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      thread_local std::vector<Candidate> candidates;
      thread_local std::vector<double> mass;
      candidates.resize(V);
      mass.resize(V);
      for (int64_t r = r0; r < r1; ++r) top_p_row(sd + r * V, V, r, top_p, od + r * V, candidates.data(), mass.data());
    });
    return st::wrap(std::move(out));
  })
}

// One token per row of scores [..., V] (float32, CPU) drawn from softmax(scores) with one uniform per row from the
// generator (libtorch's default when null), rows in order: int64 [...]. Parallel over rows.
ST_API Tensor* st_sample_rows(Tensor* sp, StGenerator* g) {
  ST_TENSOR({
    const at::Tensor& s0 = *sp;
    TORCH_CHECK(s0.scalar_type() == at::kFloat && s0.device().is_cpu() && s0.dim() >= 1, "sample_rows: scores must be a float32 CPU tensor, got ",
                s0.scalar_type(), " on ", s0.device());
    TORCH_CHECK(!(at::GradMode::is_enabled() && s0.requires_grad()), "sample_rows is not differentiable; call it under no-grad");
    const int64_t V = s0.size(-1);
    TORCH_CHECK(V >= 1, "sample_rows: the vocabulary is empty");
    auto s = s0.contiguous();
    const int64_t rows = s.numel() / V;
    auto u = at::rand({rows}, st::generator(g), at::TensorOptions().dtype(at::kDouble));
    auto out = at::empty(s.sizes().slice(0, s.dim() - 1), s.options().dtype(at::kLong));
    const float* sd = s.data_ptr<float>();
    const double* ud = u.data_ptr<double>();
    int64_t* od = out.data_ptr<int64_t>();
    st::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      thread_local std::vector<double> mass;
      mass.resize(V);
      for (int64_t r = r0; r < r1; ++r) od[r] = draw_row(sd + r * V, V, r, ud[r], mass.data());
    });
    return st::wrap(std::move(out));
  })
}
