namespace SelfSpec.Torch;

/// <summary>The instruction set of the native SIMD kernels (<see cref="Functional.KernelIsa"/>); values match the shim's.</summary>
public enum KernelIsa
{
    /// <summary>The CPU's best (only for setting).</summary>
    Auto = 0,
    /// <summary>AVX2 and FMA, 8 float lanes.</summary>
    Avx2 = 1,
    /// <summary>AVX-512 F/BW/VL, 16 float lanes.</summary>
    Avx512 = 2,
    /// <summary>Plain C++ and libtorch (a CPU without AVX2; only read).</summary>
    Plain = 3,
}
