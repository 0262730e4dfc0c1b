// Linear layers over 4-bit block-quantised weights (QLoRA's NF4): the weight is kept packed (two 4-bit codes
// per byte, the even element in the high nibble, one float absmax per block) and expanded to the compute dtype
// on the fly in the forward pass and again in the backward pass, so no dense copy outlives one matmul.
#include "shim.h"

#include <torch/csrc/autograd/custom_function.h>

using st::wrap;

namespace {

// Expands packed codes to a dense [out, in] weight. `pair_table` is [256, 2]: row b holds the values of the high
// and low nibble of byte b, so one gather decodes two weights.
at::Tensor dequantize_4bit(const at::Tensor& packed, const at::Tensor& absmax, const at::Tensor& pair_table,
                           int64_t out, int64_t in, int64_t block, at::ScalarType dtype) {
  const int64_t n = out * in;
  // int32 indices and an in-place scale keep the transient memory at ~8 bytes per weight.
  at::Tensor values = pair_table.index_select(0, packed.to(at::kInt)).view({-1});
  if (values.size(0) != n) values = values.narrow(0, 0, n);
  at::Tensor w;
  if (n % block == 0) {
    w = values.view({n / block, block}).mul_(absmax.view({-1, 1}));
  } else {
    w = values.mul_(absmax.repeat_interleave(block).narrow(0, 0, n));
  }
  return w.view({out, in}).to(dtype);
}

struct Packed4BitLinear : public torch::autograd::Function<Packed4BitLinear> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& packed,
                            const at::Tensor& absmax, const at::Tensor& pair_table, int64_t out, int64_t in,
                            int64_t block) {
    at::Tensor w = dequantize_4bit(packed, absmax, pair_table, out, in, block, x.scalar_type());
    ctx->save_for_backward({packed, absmax, pair_table});
    ctx->saved_data["out"] = out;
    ctx->saved_data["in"] = in;
    ctx->saved_data["block"] = block;
    return at::linear(x, w);
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& g = grads[0];
    at::Tensor w = dequantize_4bit(saved[0], saved[1], saved[2], ctx->saved_data["out"].toInt(),
                                   ctx->saved_data["in"].toInt(), ctx->saved_data["block"].toInt(), g.scalar_type());
    // Only the input gets a gradient: the quantised base weight is frozen.
    return {at::matmul(g, w), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

ST_API Tensor* st_dequantize_4bit(Tensor* packed, Tensor* absmax, Tensor* pair_table, int64_t out, int64_t in,
                                  int64_t block, int32_t dtype) {
  ST_TENSOR(return wrap(dequantize_4bit(*packed, *absmax, *pair_table, out, in, block,
                                        static_cast<at::ScalarType>(dtype)));)
}

ST_API Tensor* st_linear_4bit(Tensor* x, Tensor* packed, Tensor* absmax, Tensor* pair_table, int64_t out, int64_t in,
                              int64_t block, Tensor* bias) {
  ST_TENSOR({
    at::Tensor y = Packed4BitLinear::apply(*x, *packed, *absmax, *pair_table, out, in, block);
    if (bias) y = y.add(*bias);
    return wrap(std::move(y));
  })
}
