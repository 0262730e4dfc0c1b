// Tensor lifetime, metadata, creation, views and conversion.
#include "shim.h"

#include <ATen/CPUGeneratorImpl.h>
#include <cstring>

using st::dims;
using st::options;
using st::wrap;

// ---- lifetime and metadata -------------------------------------------------------------------

ST_API void st_tensor_free(Tensor* t) { delete t; }

ST_API int32_t st_tensor_dim(Tensor* t) { return static_cast<int32_t>(t->dim()); }

ST_API int32_t st_tensor_sizes(Tensor* t, int64_t* out, int32_t capacity) {
  auto s = t->sizes();
  int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n && i < capacity; i++) out[i] = s[i];
  return n;
}

ST_API int32_t st_tensor_strides(Tensor* t, int64_t* out, int32_t capacity) {
  auto s = t->strides();
  int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n && i < capacity; i++) out[i] = s[i];
  return n;
}

ST_API int64_t st_tensor_numel(Tensor* t) { return t->numel(); }
ST_API int32_t st_tensor_dtype(Tensor* t) { return static_cast<int32_t>(t->scalar_type()); }
ST_API int32_t st_tensor_device_type(Tensor* t) { return static_cast<int32_t>(t->device().type()); }
ST_API int32_t st_tensor_device_index(Tensor* t) { return t->device().has_index() ? t->device().index() : -1; }
ST_API int32_t st_tensor_is_contiguous(Tensor* t) { return t->is_contiguous() ? 1 : 0; }
ST_API int32_t st_tensor_defined(Tensor* t) { return t->defined() ? 1 : 0; }
ST_API int64_t st_tensor_element_size(Tensor* t) { return static_cast<int64_t>(t->element_size()); }

// Pointer to the first element of a CPU tensor (valid while the tensor lives); nullptr + error otherwise.
ST_API void* st_tensor_data_ptr(Tensor* t) {
  try {
    TORCH_CHECK(t->device().is_cpu(), "data_ptr: tensor is on ", t->device(), "; move it to the CPU first");
    return t->data_ptr();
  } catch (...) {
    st::record_current_exception();
    return nullptr;
  }
}

// Copies the (logical, row-major) contents into dst, converting to contiguous CPU memory first.
ST_API int32_t st_tensor_copy_to(Tensor* t, void* dst, int64_t nbytes) {
  ST_STATUS({
    at::Tensor c = t->device().is_cpu() ? t->contiguous() : t->to(at::kCPU).contiguous();
    int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
    TORCH_CHECK(need == nbytes, "copy_to: tensor holds ", need, " bytes, destination has ", nbytes);
    if (need > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(need));
  })
}

// Copies nbytes from src into a tensor (any device) of matching size.
ST_API int32_t st_tensor_copy_from(Tensor* t, const void* src, int64_t nbytes) {
  ST_STATUS({
    int64_t need = t->numel() * static_cast<int64_t>(t->element_size());
    TORCH_CHECK(need == nbytes, "copy_from: tensor holds ", need, " bytes, source has ", nbytes);
    TORCH_CHECK(t->is_contiguous(), "copy_from: tensor must be contiguous");
    if (t->device().is_cpu()) {
      if (need > 0) std::memcpy(t->data_ptr(), src, static_cast<size_t>(need));
    } else {
      auto cpu = at::from_blob(const_cast<void*>(src), t->sizes(), t->options().device(at::kCPU));
      t->copy_(cpu);
    }
  })
}

ST_API double st_tensor_item_double(Tensor* t, int32_t* status) {
  try {
    *status = 0;
    return t->item<double>();
  } catch (...) {
    st::record_current_exception();
    *status = -1;
    return 0;
  }
}

ST_API int64_t st_tensor_item_long(Tensor* t, int32_t* status) {
  try {
    *status = 0;
    return t->item<int64_t>();
  } catch (...) {
    st::record_current_exception();
    *status = -1;
    return 0;
  }
}

// Human-readable rendering (libtorch's operator<<), for debugging and ToString().
ST_API int32_t st_tensor_to_string(Tensor* t, char* buf, int32_t capacity) {
  try {
    std::ostringstream os;
    os << *t;
    std::string s = os.str();
    int32_t n = static_cast<int32_t>(s.size());
    if (buf && capacity > 0) {
      int32_t m = n < capacity - 1 ? n : capacity - 1;
      std::memcpy(buf, s.data(), static_cast<size_t>(m));
      buf[m] = 0;
    }
    return n;
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
}

// ---- creation ---------------------------------------------------------------------------------

ST_API Tensor* st_empty(const int64_t* shape, int32_t nd, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::empty(dims(shape, nd), options(dtype, dev, idx)));)
}
ST_API Tensor* st_zeros(const int64_t* shape, int32_t nd, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::zeros(dims(shape, nd), options(dtype, dev, idx)));)
}
ST_API Tensor* st_ones(const int64_t* shape, int32_t nd, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::ones(dims(shape, nd), options(dtype, dev, idx)));)
}
ST_API Tensor* st_full(const int64_t* shape, int32_t nd, double v, int64_t iv, int32_t is_int, int32_t dtype, int32_t dev,
                       int32_t idx) {
  ST_TENSOR(return wrap(at::full(dims(shape, nd), st::scalar(v, iv, is_int), options(dtype, dev, idx)));)
}
ST_API Tensor* st_arange(double start, double end, double step, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::arange(start, end, step, options(dtype, dev, idx)));)
}

// Copies `nbytes` of host data into a new tensor.
ST_API Tensor* st_from_data(const void* data, const int64_t* shape, int32_t nd, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR({
    auto opts = options(dtype, 0, -1);
    auto view = at::from_blob(const_cast<void*>(data), dims(shape, nd), opts);
    auto copy = view.clone();
    if (dev != 0) copy = copy.to(c10::Device(static_cast<c10::DeviceType>(dev), static_cast<c10::DeviceIndex>(idx)));
    return wrap(std::move(copy));
  })
}

typedef void (*st_release_fn)(void* context);

// Wraps host memory without copying. `release(context)` is called once when libtorch frees the storage.
ST_API Tensor* st_from_blob(void* data, const int64_t* shape, int32_t nd, const int64_t* strides, int32_t dtype,
                            st_release_fn release, void* context) {
  ST_TENSOR({
    auto opts = options(dtype, 0, -1);
    auto deleter = [release, context](void*) {
      if (release) release(context);
    };
    if (strides) return wrap(at::from_blob(data, dims(shape, nd), dims(strides, nd), deleter, opts));
    return wrap(at::from_blob(data, dims(shape, nd), deleter, opts));
  })
}

// ---- random generators ------------------------------------------------------------------------

ST_API StGenerator* st_generator_new(int32_t dev, int32_t idx, uint64_t seed) {
  try {
    at::Generator g;
    if (dev == 0) {
      g = at::make_generator<at::CPUGeneratorImpl>(seed);
    } else {
      g = at::globalContext()
              .defaultGenerator(c10::Device(static_cast<c10::DeviceType>(dev), static_cast<c10::DeviceIndex>(idx)))
              .clone();
      g.set_current_seed(seed);
    }
    return new StGenerator{g};
  } catch (...) {
    st::record_current_exception();
    return nullptr;
  }
}
ST_API void st_generator_free(StGenerator* g) { delete g; }
ST_API int32_t st_generator_set_seed(StGenerator* g, uint64_t seed) { ST_STATUS(g->gen.set_current_seed(seed);) }
ST_API uint64_t st_generator_seed(StGenerator* g) { return g->gen.current_seed(); }

// Snapshot and restore the generator's full state (for resumable training).
ST_API Tensor* st_generator_get_state(StGenerator* g) { ST_TENSOR(return wrap(g->gen.get_state());) }
ST_API int32_t st_generator_set_state(StGenerator* g, Tensor* state) { ST_STATUS(g->gen.set_state(*state);) }

ST_API Tensor* st_randn(const int64_t* shape, int32_t nd, StGenerator* g, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::randn(dims(shape, nd), st::generator(g), options(dtype, dev, idx)));)
}
ST_API Tensor* st_rand(const int64_t* shape, int32_t nd, StGenerator* g, int32_t dtype, int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::rand(dims(shape, nd), st::generator(g), options(dtype, dev, idx)));)
}
ST_API Tensor* st_randint(int64_t low, int64_t high, const int64_t* shape, int32_t nd, StGenerator* g, int32_t dtype,
                          int32_t dev, int32_t idx) {
  ST_TENSOR(return wrap(at::randint(low, high, dims(shape, nd), st::generator(g), options(dtype, dev, idx)));)
}
ST_API int32_t st_uniform_(Tensor* t, double from, double to, StGenerator* g) { ST_STATUS(t->uniform_(from, to, st::generator(g));) }
ST_API int32_t st_normal_(Tensor* t, double mean, double std, StGenerator* g) { ST_STATUS(t->normal_(mean, std, st::generator(g));) }
ST_API Tensor* st_bernoulli(Tensor* t, double p, StGenerator* g) { ST_TENSOR(return wrap(at::bernoulli(*t, p, st::generator(g)));) }
ST_API Tensor* st_multinomial(Tensor* t, int64_t n, int32_t replacement, StGenerator* g) {
  ST_TENSOR(return wrap(at::multinomial(*t, n, replacement != 0, st::generator(g)));)
}

// ---- views and layout -------------------------------------------------------------------------

ST_API Tensor* st_view(Tensor* t, const int64_t* shape, int32_t nd) { ST_TENSOR(return wrap(t->view(dims(shape, nd)));) }
ST_API Tensor* st_reshape(Tensor* t, const int64_t* shape, int32_t nd) { ST_TENSOR(return wrap(t->reshape(dims(shape, nd)));) }
ST_API Tensor* st_expand(Tensor* t, const int64_t* shape, int32_t nd) { ST_TENSOR(return wrap(t->expand(dims(shape, nd)));) }
ST_API Tensor* st_permute(Tensor* t, const int64_t* order, int32_t nd) { ST_TENSOR(return wrap(t->permute(dims(order, nd)));) }
ST_API Tensor* st_transpose(Tensor* t, int64_t a, int64_t b) { ST_TENSOR(return wrap(t->transpose(a, b));) }
ST_API Tensor* st_narrow(Tensor* t, int64_t dim, int64_t start, int64_t length) { ST_TENSOR(return wrap(t->narrow(dim, start, length));) }
ST_API Tensor* st_slice(Tensor* t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  ST_TENSOR(return wrap(t->slice(dim, start, end, step));)
}
ST_API Tensor* st_select(Tensor* t, int64_t dim, int64_t index) { ST_TENSOR(return wrap(t->select(dim, index));) }
ST_API Tensor* st_squeeze(Tensor* t, int64_t dim) { ST_TENSOR(return wrap(t->squeeze(dim));) }
ST_API Tensor* st_unsqueeze(Tensor* t, int64_t dim) { ST_TENSOR(return wrap(t->unsqueeze(dim));) }
ST_API Tensor* st_flatten(Tensor* t, int64_t start, int64_t end) { ST_TENSOR(return wrap(t->flatten(start, end));) }
ST_API Tensor* st_contiguous(Tensor* t) { ST_TENSOR(return wrap(t->contiguous());) }
ST_API Tensor* st_clone(Tensor* t) { ST_TENSOR(return wrap(t->clone());) }
ST_API Tensor* st_alias(Tensor* t) { ST_TENSOR(return wrap(*t);) }

// ---- conversion -------------------------------------------------------------------------------

ST_API Tensor* st_to(Tensor* t, int32_t dtype, int32_t dev, int32_t idx, int32_t non_blocking) {
  ST_TENSOR({
    auto device = c10::Device(static_cast<c10::DeviceType>(dev), static_cast<c10::DeviceIndex>(idx));
    return wrap(t->to(device, static_cast<at::ScalarType>(dtype), non_blocking != 0, false));
  })
}
