// Which instruction set the shim's SIMD kernels use: AVX-512 (F/BW/VL) where the CPU has it, else AVX2 + FMA. The two
// give different bits (16 lanes against 8 per accumulator), so a run is reproducible on one ISA, and tests force each
// (SELFSPEC_KERNEL_ISA=avx2|avx512, or st_set_kernel_isa at run time) to check both on an AVX-512 machine.
#include "kernels.h"
#include "shim.h"
#include "simd_math.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using st::kernels::Isa;

// What was asked for: 0 the CPU's best, 1 AVX2, 2 AVX-512, -1 an unknown SELFSPEC_KERNEL_ISA value.
int requested_from_environment() {
  const char* isa = std::getenv("SELFSPEC_KERNEL_ISA");
  if (isa && *isa) {
    if (std::strcmp(isa, "avx2") == 0) return 1;
    if (std::strcmp(isa, "avx512") == 0) return 2;
    if (std::strcmp(isa, "auto") == 0) return 0;
    return -1;
  }
  return std::getenv("SELFSPEC_NO_AVX512") != nullptr ? 1 : 0;  // the older switch
}

std::atomic<int>& requested() {
  static std::atomic<int> isa{requested_from_environment()};
  return isa;
}

bool cpu_has_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return ok;
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return cpu_has_avx512() && st::simd::cpu_has_avx2_fma();
    case Isa::Avx2: return st::simd::cpu_has_avx2_fma();
    default: return true;
  }
}

const char* name(Isa isa) { return isa == Isa::Avx512 ? "avx512" : isa == Isa::Avx2 ? "avx2" : "plain"; }

}  // namespace

namespace st::kernels {

Isa kernel_isa() {
  const int r = requested().load(std::memory_order_relaxed);
  if (r == 0) return cpu_supports(Isa::Avx512) ? Isa::Avx512 : cpu_supports(Isa::Avx2) ? Isa::Avx2 : Isa::Plain;
  TORCH_CHECK(r > 0, "SELFSPEC_KERNEL_ISA='", std::getenv("SELFSPEC_KERNEL_ISA"), "' is not a kernel instruction set; use avx2, avx512 or auto");
  const Isa isa = static_cast<Isa>(r);
  TORCH_CHECK(cpu_supports(isa), "the kernels are set to ", name(isa), " (SELFSPEC_KERNEL_ISA or Functional.KernelIsa), which this CPU lacks");
  return isa;
}

bool use_avx512() { return kernel_isa() == Isa::Avx512; }

}  // namespace st::kernels

// The instruction set the kernels use now: 1 AVX2, 2 AVX-512, 3 plain C++ (a CPU without AVX2); -1 after an error (an
// unknown SELFSPEC_KERNEL_ISA).
ST_API int32_t st_kernel_isa() {
  try {
    return static_cast<int32_t>(st::kernels::kernel_isa());
  } catch (...) {
    st::record_current_exception();
    return -1;
  }
}

// Chooses the kernels' instruction set: 0 the CPU's best, 1 AVX2, 2 AVX-512. An ISA this CPU lacks is an error.
ST_API int32_t st_set_kernel_isa(int32_t isa) {
  ST_STATUS({
    TORCH_CHECK(isa >= 0 && isa <= 2, "kernel ISA ", isa, " is not 0 (auto), 1 (avx2) or 2 (avx512)");
    TORCH_CHECK(isa == 0 || cpu_supports(static_cast<Isa>(isa)), "this CPU lacks ", name(static_cast<Isa>(isa)), " (AVX-512 needs F, BW and VL; AVX2 needs FMA)");
    requested().store(isa);
  })
}

// 1 when this CPU runs the kernels of `isa` (1 AVX2, 2 AVX-512), else 0.
ST_API int32_t st_kernel_isa_supported(int32_t isa) {
  return (isa == 1 || isa == 2) && cpu_supports(static_cast<Isa>(isa)) ? 1 : 0;
}
