// Low-rank (LoRA) updates applied unmerged, one adapter per row (lora.cpp): the op-by-op entry st_lora_update, the
// projections with their updates (st_tiled_linear_group_lora, prefill) and the fused decode layer (decode_layer.cpp)
// share this arithmetic, so a row's update has the same bits on every path.
#pragma once

#include "kernels.h"
#include "shim.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace st::kernels {

// One adapter's matrices for one projection, row-major float32: A [rank, K] and B [N, rank]. a == nullptr: the adapter
// does not adapt this projection.
struct LoraMatrices {
  const float* a;
  const float* b;
  int64_t rank;
};

// One projection of a group that shares its input: the output y [M, N] the update is added to, and per adapter its
// matrices (LoraRows::count entries).
struct LoraTarget {
  float* y;
  int64_t N;
  const LoraMatrices* adapters;
};

// Which adapter each row uses: row m's is adapter_of_row[m / rows_per_index] (−1: none), an index into `count` adapters
// whose scales are scales[0 .. count).
struct LoraRows {
  const int32_t* adapter_of_row;
  int64_t rows_per_index;
  int count;
  const float* scales;
};

// For each of `target_count` targets (≤ kLinearMaxGroup) and each row m of x [M, K] whose adapter a adapts the target:
// y[m] += scale_a · B_a·(A_a·x[m]). Every output is computed the same way whatever the other rows, their adapters, the
// split over threads or the kernel ISA (AVX2 code on every CPU that has it): A_a·x[m] as one 8-lane dot product per rank
// row, B_a's row dotted with it in 8-lane chunks of the rank, summed by a fixed tree, then one fused multiply-add into
// y. The products with A go over (target, row), those with B over (target, adapter, block of outputs): on the calling
// thread for small inputs, on the kernel pool for large ones. Needs AVX2 and FMA (tiled_linear_available()). The
// forward passes over tiled weights (the fused decode layer, st_tiled_linear_group_lora) do the same work inside the
// projections' own parallel region instead (LoraInLinear below).
void lora_update(const float* x, int64_t M, int64_t K, const LoraTarget* targets, int target_count, const LoraRows& rows);

// lora_update's work laid out for the tiled_linear call that computes the same targets' projections (targets[i].y that
// call's targets[i].y, in the same order): the products with A as its `before` items (shrink_items()), and the
// products with B per block of outputs right after that block of the projection, by whichever thread computed it. So
// the decode step's LoRA work is spread over the kernel pool with the projection's own hand-off, not a second one (a
// separate pool job per update stalls on a busy machine), and every output gets the bits lora_update gives it. The
// pointers given must outlive the object, and the object the tiled_linear call.
class LoraInLinear {
 public:
  LoraInLinear(const float* x, int64_t M, int64_t K, const LoraTarget* targets, int target_count, const LoraRows& rows);
  LoraInLinear(const LoraInLinear&) = delete;
  LoraInLinear& operator=(const LoraInLinear&) = delete;

  // The work for tiled_linear, or null when no row's adapter adapts these projections.
  const TiledExtra* extra() const { return empty_ ? nullptr : &extra_; }

  // Items of the products with A: per target up to kShrinkItems blocks of pairs of rows taken in adapter order (both
  // rows of a pair at once when they share an adapter — a prefill's positions of one prompt, a decode step's rows of
  // one adapter wherever they sit in the batch: A is loaded once for both; each sum is computed the same way). Few
  // items, because the pool cuts a region into chunks of a size set by its item count: hundreds of small items ahead
  // of the projection's few large ones made its chunks so coarse that one thread got most of the projection (a
  // prefill's q/k/v with adapters took as long on two threads as on one).
  static constexpr int64_t kShrinkItems = 8;
  int64_t shrink_items() const {
    const int64_t pairs = (M_ + 1) / 2;
    return count_ * ((pairs + pairs_per_item() - 1) / pairs_per_item());
  }
  // The products with A of item `item`.
  void shrink_item(int64_t item) const;
  // Prefetches (into L2) the parts of B that expand_row reads for rows [m0, m1) of target t and outputs [n0, n1): a
  // block's part of B is too short a stream for the hardware prefetcher, and with several adapters in a decode step
  // each one's matrices come from memory. tiled_linear calls it before the block's projection, which hides the wait.
  void prefetch_expand(int t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) const;
  // The products with B for row m of target t, outputs [n0, n1), added into the target's y (nothing when the row's
  // adapter does not adapt it).
  void expand_row(int t, int64_t m, int64_t n0, int64_t n1) const;

  int32_t adapter_of(int64_t m) const { return rows_.adapter_of_row[m / rows_.rows_per_index]; }
  // Row m's adapter's matrices for target t, or null when it has none for t.
  const LoraMatrices* matrices(int t, int64_t m) const;

 private:
  int64_t pairs_per_item() const { return std::max<int64_t>(1, ((M_ + 1) / 2 + kShrinkItems - 1) / kShrinkItems); }
  // Pair p of target t: rows order_[2p] and order_[2p + 1] (when below M).
  void shrink_pair(int t, int64_t p) const;

  const float* x_;
  int64_t M_, K_;
  const LoraTarget* targets_;
  int count_;
  LoraRows rows_;
  int64_t low_offset_[kLinearMaxGroup + 1], max_rank_[kLinearMaxGroup];
  float* low_ = nullptr;  // the constructing thread's scratch: M rows of each target's largest rank, A·x
  const int64_t* order_ = nullptr;  // the constructing thread's: the M rows grouped by adapter, rows without one last
  bool empty_ = true;
  TiledExtra extra_{};
};

// st_tiled_linear_group's arguments checked (tiled_linear.cpp): the contiguous input, its M rows of K, the outputs
// allocated and the targets that write them.
struct TiledGroup {
  Tensor x;
  int64_t M = 0, K = 0;
  bool bf16 = false;
  std::vector<Tensor> ys;
  TiledTarget targets[kLinearMaxGroup];
};
TiledGroup tiled_group(Tensor* x, int32_t count, Tensor** tiled, const int64_t* out_features, Tensor** biases);

// Checks the matrices of `count` adapters for one projection of K inputs and N outputs (a[i] and b[i] both null when
// adapter i does not adapt it) and fills matrices[0 .. count). `what` prefixes the error messages.
void check_lora_matrices(const char* what, const char* projection, int count, Tensor* const* a, Tensor* const* b, int64_t K, int64_t N,
                         LoraMatrices* matrices);

// Checks the per-row adapter indices (each −1 or below count) of `rows` rows and converts the scales to float.
void check_lora_rows(const char* what, int count, const double* scales, const int32_t* adapter_of_row, int64_t rows, float* scales_out);

}  // namespace st::kernels
