// Common declarations for the SelfSpec.Torch C ABI.
//
// Conventions (the C# side relies on them):
//  * A tensor crosses the boundary as `Tensor*`, a heap-allocated at::Tensor owned by the caller, freed
//    with st_tensor_free.
//  * Functions that produce a tensor return it, or nullptr after recording an error.
//  * Functions that produce nothing return 0 on success and -1 after recording an error.
//  * The error (kind + message) is thread-local; st_last_error_kind / st_last_error_message read it.
//  * No C++ exception ever crosses the boundary.
#pragma once

#include <ATen/ATen.h>
#include <cstdint>
#include <string>

#define ST_API extern "C" __attribute__((visibility("default")))

typedef at::Tensor Tensor;

// A random generator as the C# Generator holds it (st_generator_new).
struct StGenerator {
  at::Generator gen;
};

namespace st {

enum ErrorKind : int32_t {
  kNone = 0,
  kGeneric = 1,
  kOutOfMemory = 2,
  kIndex = 3,
  kValue = 4,
  kType = 5,
  kNotImplemented = 6,
};

void set_error(ErrorKind kind, const std::string& message);
void record_current_exception();  // call from inside a catch(...) block

inline Tensor* wrap(at::Tensor&& t) { return new at::Tensor(std::move(t)); }
inline Tensor* wrap(const at::Tensor& t) { return new at::Tensor(t); }

at::IntArrayRef dims(const int64_t* data, int32_t n);
at::Scalar scalar(double value, int64_t ivalue, int32_t is_int);
at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index);

// The generator behind a C# Generator, or none (libtorch's default) for null.
inline c10::optional<at::Generator> generator(StGenerator* g) {
  if (!g) return c10::nullopt;
  return g->gen;
}

}  // namespace st

// Wraps a body that returns Tensor*; on any exception records it and returns nullptr.
#define ST_TENSOR(...)                     \
  try {                                    \
    __VA_ARGS__                                   \
  } catch (...) {                          \
    st::record_current_exception();        \
    return nullptr;                        \
  }

// Wraps a body that returns a status code; on any exception records it and returns -1.
#define ST_STATUS(...)                     \
  try {                                    \
    __VA_ARGS__                                   \
    return 0;                              \
  } catch (...) {                          \
    st::record_current_exception();        \
    return -1;                             \
  }
