// Low-rank (LoRA) updates applied unmerged, one adapter per row (lora.cpp): the op-by-op entry st_lora_update and the
// fused decode layer (decode_layer.cpp) share this arithmetic, so a row's update has the same bits on either path.
#pragma once

#include "shim.h"

#include <cstdint>

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
// thread for a decode step's few rows, on the kernel pool for large inputs (prefill). Needs AVX2 and FMA
// (tiled_linear_available()).
void lora_update(const float* x, int64_t M, int64_t K, const LoraTarget* targets, int target_count, const LoraRows& rows);

// Checks the matrices of `count` adapters for one projection of K inputs and N outputs (a[i] and b[i] both null when
// adapter i does not adapt it) and fills matrices[0 .. count). `what` prefixes the error messages.
void check_lora_matrices(const char* what, const char* projection, int count, Tensor* const* a, Tensor* const* b, int64_t K, int64_t N,
                         LoraMatrices* matrices);

// Checks the per-row adapter indices (each −1 or below count) of `rows` rows and converts the scales to float.
void check_lora_rows(const char* what, int count, const double* scales, const int32_t* adapter_of_row, int64_t rows, float* scales_out);

}  // namespace st::kernels
