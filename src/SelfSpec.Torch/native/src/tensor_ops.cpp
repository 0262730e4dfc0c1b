// Tensor math: element-wise, reductions, linear algebra, indexing, joining, sorting.
#include "shim.h"

using st::dims;
using st::wrap;

#define ST_SCALAR_ARGS double v, int64_t iv, int32_t is_int
#define ST_SCALAR st::scalar(v, iv, is_int)

#define UNARY(name, expr) \
  ST_API Tensor* st_##name(Tensor* a) { ST_TENSOR(return wrap(expr);) }
#define UNARY_(name, expr) \
  ST_API int32_t st_##name(Tensor* a) { ST_STATUS(expr;) }
#define BINARY(name, expr) \
  ST_API Tensor* st_##name(Tensor* a, Tensor* b) { ST_TENSOR(return wrap(expr);) }
#define BINARY_(name, expr) \
  ST_API int32_t st_##name(Tensor* a, Tensor* b) { ST_STATUS(expr;) }
#define SCALAR(name, expr) \
  ST_API Tensor* st_##name(Tensor* a, ST_SCALAR_ARGS) { ST_TENSOR(return wrap(expr);) }
#define SCALAR_(name, expr) \
  ST_API int32_t st_##name(Tensor* a, ST_SCALAR_ARGS) { ST_STATUS(expr;) }

// ---- element-wise -----------------------------------------------------------------------------

ST_API Tensor* st_add(Tensor* a, Tensor* b, double alpha) { ST_TENSOR(return wrap(at::add(*a, *b, alpha));) }
ST_API Tensor* st_sub(Tensor* a, Tensor* b, double alpha) { ST_TENSOR(return wrap(at::sub(*a, *b, alpha));) }
BINARY(mul, at::mul(*a, *b))
BINARY(div, at::div(*a, *b))
BINARY(pow, at::pow(*a, *b))
BINARY(maximum, at::maximum(*a, *b))
BINARY(minimum, at::minimum(*a, *b))
BINARY(eq, at::eq(*a, *b))
BINARY(ne, at::ne(*a, *b))
BINARY(lt, at::lt(*a, *b))
BINARY(le, at::le(*a, *b))
BINARY(gt, at::gt(*a, *b))
BINARY(ge, at::ge(*a, *b))
BINARY(logical_and, at::logical_and(*a, *b))
BINARY(logical_or, at::logical_or(*a, *b))
BINARY(bitwise_and, at::bitwise_and(*a, *b))
BINARY(bitwise_or, at::bitwise_or(*a, *b))
BINARY(matmul, at::matmul(*a, *b))
BINARY(bmm, at::bmm(*a, *b))
BINARY(outer, at::outer(*a, *b))

SCALAR(add_scalar, at::add(*a, ST_SCALAR))
SCALAR(sub_scalar, at::sub(*a, ST_SCALAR))
SCALAR(rsub_scalar, at::rsub(*a, ST_SCALAR))
SCALAR(mul_scalar, at::mul(*a, ST_SCALAR))
SCALAR(div_scalar, at::div(*a, ST_SCALAR))
SCALAR(pow_scalar, at::pow(*a, ST_SCALAR))
SCALAR(eq_scalar, at::eq(*a, ST_SCALAR))
SCALAR(ne_scalar, at::ne(*a, ST_SCALAR))
SCALAR(lt_scalar, at::lt(*a, ST_SCALAR))
SCALAR(le_scalar, at::le(*a, ST_SCALAR))
SCALAR(gt_scalar, at::gt(*a, ST_SCALAR))
SCALAR(ge_scalar, at::ge(*a, ST_SCALAR))
SCALAR(bitwise_and_scalar, at::bitwise_and(*a, ST_SCALAR))
SCALAR(bitwise_right_shift_scalar, at::bitwise_right_shift(*a, ST_SCALAR))
SCALAR(bitwise_left_shift_scalar, at::bitwise_left_shift(*a, ST_SCALAR))
SCALAR(fill_like, at::full_like(*a, ST_SCALAR))

ST_API Tensor* st_clamp(Tensor* a, double lo, double hi, int32_t has_lo, int32_t has_hi) {
  ST_TENSOR({
    c10::optional<at::Scalar> l = has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt;
    c10::optional<at::Scalar> h = has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt;
    return wrap(at::clamp(*a, l, h));
  })
}

UNARY(neg, at::neg(*a))
UNARY(abs, at::abs(*a))
UNARY(sqrt, at::sqrt(*a))
UNARY(rsqrt, at::rsqrt(*a))
UNARY(exp, at::exp(*a))
UNARY(log, at::log(*a))
UNARY(sin, at::sin(*a))
UNARY(cos, at::cos(*a))
UNARY(tanh, at::tanh(*a))
UNARY(sigmoid, at::sigmoid(*a))
UNARY(silu, at::silu(*a))
UNARY(relu, at::relu(*a))
UNARY(square, at::square(*a))
UNARY(reciprocal, at::reciprocal(*a))
UNARY(logical_not, at::logical_not(*a))
UNARY(isnan, at::isnan(*a))
UNARY(isfinite, at::isfinite(*a))
UNARY(sign, at::sign(*a))
UNARY(floor, at::floor(*a))
UNARY(round, at::round(*a))

ST_API Tensor* st_where(Tensor* cond, Tensor* a, Tensor* b) { ST_TENSOR(return wrap(at::where(*cond, *a, *b));) }
ST_API Tensor* st_masked_fill(Tensor* a, Tensor* mask, ST_SCALAR_ARGS) { ST_TENSOR(return wrap(a->masked_fill(*mask, ST_SCALAR));) }
ST_API Tensor* st_tril(Tensor* a, int64_t diagonal) { ST_TENSOR(return wrap(at::tril(*a, diagonal));) }
ST_API Tensor* st_triu(Tensor* a, int64_t diagonal) { ST_TENSOR(return wrap(at::triu(*a, diagonal));) }
ST_API Tensor* st_lerp(Tensor* a, Tensor* b, double w) { ST_TENSOR(return wrap(at::lerp(*a, *b, w));) }

// ---- in-place ---------------------------------------------------------------------------------

ST_API int32_t st_add_(Tensor* a, Tensor* b, double alpha) { ST_STATUS(a->add_(*b, alpha);) }
ST_API int32_t st_sub_(Tensor* a, Tensor* b, double alpha) { ST_STATUS(a->sub_(*b, alpha);) }
BINARY_(mul_, a->mul_(*b))
BINARY_(div_, a->div_(*b))
BINARY_(copy_, a->copy_(*b))
SCALAR_(add_scalar_, a->add_(ST_SCALAR))
SCALAR_(mul_scalar_, a->mul_(ST_SCALAR))
SCALAR_(fill_, a->fill_(ST_SCALAR))
UNARY_(zero_, a->zero_())
ST_API int32_t st_masked_fill_(Tensor* a, Tensor* mask, ST_SCALAR_ARGS) { ST_STATUS(a->masked_fill_(*mask, ST_SCALAR);) }
ST_API int32_t st_index_copy_(Tensor* a, int64_t dim, Tensor* index, Tensor* src) { ST_STATUS(a->index_copy_(dim, *index, *src);) }
ST_API int32_t st_scatter_(Tensor* a, int64_t dim, Tensor* index, Tensor* src) { ST_STATUS(a->scatter_(dim, *index, *src);) }

// ---- reductions -------------------------------------------------------------------------------

static c10::optional<at::ScalarType> opt_dtype(int32_t dtype) {
  if (dtype < 0) return c10::nullopt;
  return static_cast<at::ScalarType>(dtype);
}

ST_API Tensor* st_sum_all(Tensor* a, int32_t dtype) { ST_TENSOR(return wrap(at::sum(*a, opt_dtype(dtype)));) }
ST_API Tensor* st_mean_all(Tensor* a, int32_t dtype) { ST_TENSOR(return wrap(at::mean(*a, opt_dtype(dtype)));) }
ST_API Tensor* st_max_all(Tensor* a) { ST_TENSOR(return wrap(at::max(*a));) }
ST_API Tensor* st_min_all(Tensor* a) { ST_TENSOR(return wrap(at::min(*a));) }
ST_API Tensor* st_sum(Tensor* a, const int64_t* d, int32_t nd, int32_t keep, int32_t dtype) {
  ST_TENSOR(return wrap(at::sum(*a, dims(d, nd), keep != 0, opt_dtype(dtype)));)
}
ST_API Tensor* st_mean(Tensor* a, const int64_t* d, int32_t nd, int32_t keep, int32_t dtype) {
  ST_TENSOR(return wrap(at::mean(*a, dims(d, nd), keep != 0, opt_dtype(dtype)));)
}
ST_API Tensor* st_logsumexp(Tensor* a, const int64_t* d, int32_t nd, int32_t keep) {
  ST_TENSOR(return wrap(at::logsumexp(*a, dims(d, nd), keep != 0));)
}
ST_API Tensor* st_norm(Tensor* a, double p) { ST_TENSOR(return wrap(at::norm(*a, p));) }
ST_API Tensor* st_any(Tensor* a) { ST_TENSOR(return wrap(at::any(*a));) }
ST_API Tensor* st_all(Tensor* a) { ST_TENSOR(return wrap(at::all(*a));) }

ST_API int32_t st_max_dim(Tensor* a, int64_t dim, int32_t keep, Tensor** values, Tensor** indices) {
  ST_STATUS({
    auto r = at::max(*a, dim, keep != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}
ST_API int32_t st_min_dim(Tensor* a, int64_t dim, int32_t keep, Tensor** values, Tensor** indices) {
  ST_STATUS({
    auto r = at::min(*a, dim, keep != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}
ST_API Tensor* st_argmax(Tensor* a, int64_t dim, int32_t keep) { ST_TENSOR(return wrap(at::argmax(*a, dim, keep != 0));) }
ST_API Tensor* st_argmax_all(Tensor* a) { ST_TENSOR(return wrap(at::argmax(*a));) }
ST_API Tensor* st_argmin(Tensor* a, int64_t dim, int32_t keep) { ST_TENSOR(return wrap(at::argmin(*a, dim, keep != 0));) }
ST_API Tensor* st_cumsum(Tensor* a, int64_t dim, int32_t dtype) { ST_TENSOR(return wrap(at::cumsum(*a, dim, opt_dtype(dtype)));) }
ST_API Tensor* st_softmax(Tensor* a, int64_t dim, int32_t dtype) { ST_TENSOR(return wrap(at::softmax(*a, dim, opt_dtype(dtype)));) }
ST_API Tensor* st_log_softmax(Tensor* a, int64_t dim, int32_t dtype) {
  ST_TENSOR(return wrap(at::log_softmax(*a, dim, opt_dtype(dtype)));)
}

// ---- linear algebra and neural-network helpers ------------------------------------------------

ST_API Tensor* st_linear(Tensor* x, Tensor* w, Tensor* bias) {
  ST_TENSOR({
    c10::optional<at::Tensor> b = bias ? c10::optional<at::Tensor>(*bias) : c10::nullopt;
    return wrap(at::linear(*x, *w, b));
  })
}
ST_API Tensor* st_embedding(Tensor* weight, Tensor* ids) { ST_TENSOR(return wrap(at::embedding(*weight, *ids));) }
ST_API Tensor* st_dropout(Tensor* a, double p, int32_t train) { ST_TENSOR(return wrap(at::dropout(*a, p, train != 0));) }

// reduction: 0 none, 1 mean, 2 sum (at::Reduction)
ST_API Tensor* st_cross_entropy(Tensor* logits, Tensor* target, int64_t reduction, int64_t ignore_index, double smoothing) {
  ST_TENSOR(return wrap(at::cross_entropy_loss(*logits, *target, c10::nullopt, reduction, ignore_index, smoothing));)
}
ST_API Tensor* st_nll_loss(Tensor* logp, Tensor* target, int64_t reduction, int64_t ignore_index) {
  ST_TENSOR(return wrap(at::nll_loss(*logp, *target, c10::nullopt, reduction, ignore_index));)
}

// ---- indexing ---------------------------------------------------------------------------------

ST_API Tensor* st_index_select(Tensor* a, int64_t dim, Tensor* index) { ST_TENSOR(return wrap(at::index_select(*a, dim, *index));) }
ST_API Tensor* st_gather(Tensor* a, int64_t dim, Tensor* index) { ST_TENSOR(return wrap(at::gather(*a, dim, *index));) }
ST_API Tensor* st_scatter(Tensor* a, int64_t dim, Tensor* index, Tensor* src) { ST_TENSOR(return wrap(at::scatter(*a, dim, *index, *src));) }
ST_API Tensor* st_masked_select(Tensor* a, Tensor* mask) { ST_TENSOR(return wrap(at::masked_select(*a, *mask));) }
ST_API Tensor* st_nonzero(Tensor* a) { ST_TENSOR(return wrap(at::nonzero(*a));) }

// ---- joining and sorting ----------------------------------------------------------------------

ST_API Tensor* st_cat(Tensor** ts, int32_t n, int64_t dim) {
  ST_TENSOR({
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) v.push_back(*ts[i]);
    return wrap(at::cat(v, dim));
  })
}
ST_API Tensor* st_stack(Tensor** ts, int32_t n, int64_t dim) {
  ST_TENSOR({
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) v.push_back(*ts[i]);
    return wrap(at::stack(v, dim));
  })
}
ST_API Tensor* st_repeat_interleave(Tensor* a, int64_t repeats, int64_t dim) {
  ST_TENSOR(return wrap(at::repeat_interleave(*a, repeats, dim));)
}
ST_API int32_t st_topk(Tensor* a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, Tensor** values, Tensor** indices) {
  ST_STATUS({
    auto r = at::topk(*a, k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}
ST_API int32_t st_sort(Tensor* a, int64_t dim, int32_t descending, int32_t stable, Tensor** values, Tensor** indices) {
  ST_STATUS({
    auto r = at::sort(*a, stable != 0, dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}
ST_API Tensor* st_argsort(Tensor* a, int64_t dim, int32_t descending) { ST_TENSOR(return wrap(at::argsort(*a, dim, descending != 0));) }
ST_API int32_t st_allclose(Tensor* a, Tensor* b, double rtol, double atol) {
  try {
    return at::allclose(*a, *b, rtol, atol) ? 1 : 0;
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
}
