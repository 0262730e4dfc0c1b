#include "shim.h"

#include <c10/util/Exception.h>
#include <new>
#include <stdexcept>

namespace {
thread_local int32_t g_error_kind = st::kNone;
thread_local std::string g_error_message;

bool looks_like_oom(const std::string& msg) {
  return msg.find("out of memory") != std::string::npos || msg.find("Out of memory") != std::string::npos ||
         msg.find("DefaultCPUAllocator: can't allocate memory") != std::string::npos ||
         msg.find("CUDA out of memory") != std::string::npos;
}
}  // namespace

namespace st {

void set_error(ErrorKind kind, const std::string& message) {
  g_error_kind = kind;
  g_error_message = message;
}

void record_current_exception() {
  try {
    throw;
  } catch (const c10::IndexError& e) {
    set_error(kIndex, e.what_without_backtrace());
  } catch (const c10::ValueError& e) {
    set_error(kValue, e.what_without_backtrace());
  } catch (const c10::TypeError& e) {
    set_error(kType, e.what_without_backtrace());
  } catch (const c10::NotImplementedError& e) {
    set_error(kNotImplemented, e.what_without_backtrace());
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    set_error(looks_like_oom(msg) ? kOutOfMemory : kGeneric, msg);
  } catch (const std::bad_alloc& e) {
    set_error(kOutOfMemory, std::string("out of memory: ") + e.what());
  } catch (const std::out_of_range& e) {
    set_error(kIndex, e.what());
  } catch (const std::invalid_argument& e) {
    set_error(kValue, e.what());
  } catch (const std::exception& e) {
    std::string msg = e.what();
    set_error(looks_like_oom(msg) ? kOutOfMemory : kGeneric, msg);
  } catch (...) {
    set_error(kGeneric, "unknown native exception");
  }
}

at::IntArrayRef dims(const int64_t* data, int32_t n) { return at::IntArrayRef(data, static_cast<size_t>(n)); }

at::Scalar scalar(double value, int64_t ivalue, int32_t is_int) {
  if (is_int == 2) return at::Scalar(ivalue != 0);
  return is_int ? at::Scalar(ivalue) : at::Scalar(value);
}

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(c10::Device(static_cast<c10::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)));
}

}  // namespace st

ST_API int32_t st_last_error_kind() { return g_error_kind; }
ST_API const char* st_last_error_message() { return g_error_message.c_str(); }
ST_API void st_clear_error() {
  g_error_kind = st::kNone;
  g_error_message.clear();
}
