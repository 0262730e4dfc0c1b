// Autograd, the AdamW optimizer and gradient clipping.
#include "shim.h"

#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include <type_traits>

using st::wrap;

ST_API int32_t st_requires_grad(Tensor* t) { return t->requires_grad() ? 1 : 0; }
ST_API int32_t st_set_requires_grad(Tensor* t, int32_t on) { ST_STATUS(t->requires_grad_(on != 0);) }
ST_API int32_t st_is_leaf(Tensor* t) { return t->is_leaf() ? 1 : 0; }
ST_API Tensor* st_detach(Tensor* t) { ST_TENSOR(return wrap(t->detach());) }

ST_API int32_t st_backward(Tensor* t, Tensor* grad, int32_t retain_graph) {
  ST_STATUS({
    at::Tensor g = grad ? *grad : at::Tensor();
    t->backward(g, retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt, false);
  })
}

// The accumulated gradient, or nullptr with no error recorded when there is none.
ST_API Tensor* st_grad(Tensor* t) {
  st::set_error(st::kNone, "");
  ST_TENSOR({
    const at::Tensor& g = t->grad();
    if (!g.defined()) return nullptr;
    return wrap(g);
  })
}

// Drops the gradient (set_to_none semantics, as PyTorch's zero_grad does by default).
ST_API int32_t st_zero_grad(Tensor* t) { ST_STATUS(t->mutable_grad() = at::Tensor();) }
ST_API int32_t st_set_grad(Tensor* t, Tensor* g) { ST_STATUS(t->mutable_grad() = g ? *g : at::Tensor();) }

ST_API int32_t st_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }
ST_API void st_set_grad_enabled(int32_t on) { c10::GradMode::set_enabled(on != 0); }

ST_API double st_clip_grad_norm(Tensor** params, int32_t n, double max_norm, double norm_type, int32_t* status) {
  try {
    std::vector<at::Tensor> v;
    for (int32_t i = 0; i < n; i++) v.push_back(*params[i]);
    *status = 0;
    return torch::nn::utils::clip_grad_norm_(v, max_norm, norm_type);
  } catch (...) {
    st::record_current_exception();
    *status = -1;
    return 0;
  }
}

// ---- AdamW (libtorch's torch::optim::AdamW) -----------------------------------------------------

struct StAdamW {
  std::vector<at::Tensor> params;
  std::unique_ptr<torch::optim::AdamW> opt;
};

ST_API StAdamW* st_adamw_new(Tensor** params, int32_t n, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int32_t amsgrad) {
  try {
    auto s = std::make_unique<StAdamW>();
    for (int32_t i = 0; i < n; i++) s->params.push_back(*params[i]);
    auto o = torch::optim::AdamWOptions(lr).betas(std::make_tuple(beta1, beta2)).eps(eps).weight_decay(weight_decay).amsgrad(amsgrad != 0);
    s->opt = std::make_unique<torch::optim::AdamW>(s->params, o);
    return s.release();
  } catch (...) {
    st::record_current_exception();
    return nullptr;
  }
}
ST_API void st_adamw_free(StAdamW* s) { delete s; }
ST_API int32_t st_adamw_step(StAdamW* s) { ST_STATUS(s->opt->step();) }
ST_API int32_t st_adamw_zero_grad(StAdamW* s) {
  ST_STATUS(for (auto& p : s->params) p.mutable_grad() = at::Tensor();)
}
ST_API int32_t st_adamw_set_lr(StAdamW* s, double lr) {
  ST_STATUS(for (auto& g : s->opt->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);)
}

// libtorch keyed optimizer state by a string (1.13) and later by the TensorImpl pointer; support both.
template <typename Map>
static auto state_key(const Map&, const at::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// Reads the state of parameter i: returns 1 and fills the outputs, or 0 if the parameter has no state yet.
ST_API int32_t st_adamw_get_state(StAdamW* s, int32_t i, int64_t* step, Tensor** exp_avg, Tensor** exp_avg_sq) {
  try {
    auto& state = s->opt->state();
    auto it = state.find(state_key(state, s->params.at(static_cast<size_t>(i))));
    if (it == state.end()) return 0;
    auto& ps = static_cast<torch::optim::AdamWParamState&>(*it->second);
    *step = ps.step();
    *exp_avg = wrap(ps.exp_avg());
    *exp_avg_sq = wrap(ps.exp_avg_sq());
    return 1;
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
}

ST_API int32_t st_adamw_set_state(StAdamW* s, int32_t i, int64_t step, Tensor* exp_avg, Tensor* exp_avg_sq) {
  ST_STATUS({
    auto& state = s->opt->state();
    auto& p = s->params.at(static_cast<size_t>(i));
    auto ps = std::make_unique<torch::optim::AdamWParamState>();
    ps->step(step);
    ps->exp_avg(exp_avg->clone());
    ps->exp_avg_sq(exp_avg_sq->clone());
    state[state_key(state, p)] = std::move(ps);
  })
}
