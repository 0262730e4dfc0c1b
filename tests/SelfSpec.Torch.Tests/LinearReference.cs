namespace SelfSpec.Torch.Tests;

/// <summary>What the streaming linear kernels (LinearRows, TiledLinear) are checked against, and their AVX2 switch.</summary>
internal static class LinearReference
{
    /// <summary>A random input [rows, in], weight [out, in] in <paramref name="weightType"/> and optional bias [out].</summary>
    public static (Tensor X, Tensor W, Tensor? B) Random(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType, ulong seed = 7)
    {
        using var g = new Generator(seed);
        var x = Tensor.Randn([rows, inFeatures], g);
        var w = Tensor.Randn([outFeatures, inFeatures], g).To(weightType);
        var b = withBias ? Tensor.Randn([outFeatures], g) : null;
        return (x, w, b);
    }

    /// <summary>Asserts <paramref name="y"/> is x·wᵀ + b as libtorch's linear computes it in float64, to float32 accumulation error.</summary>
    public static void AssertMatchesFloat64(Tensor y, Tensor x, Tensor w, Tensor? b)
    {
        Assert.Equal(DType.Float32, y.DType);
        var reference = Functional.Linear(x.To(DType.Float64), w.To(DType.Float64), b?.To(DType.Float64));
        Assert.Equal(reference.Shape, y.Shape);
        var err = y.To(DType.Float64).Sub(reference).Abs().Max().ItemDouble();
        Assert.True(err < 1e-4 * Math.Sqrt(x.Size(-1)), $"max error {err}");
    }

    /// <summary>
    /// Runs <paramref name="body"/> with the AVX-512 kernels switched on (where the CPU has them) or off
    /// (<see cref="Functional.KernelIsa"/>) and restores the switch. Callers run in the <see cref="KernelIsaSwitch"/>
    /// collection: the switch is process-wide.
    /// </summary>
    public static void WithAvx512(bool on, Action body)
    {
        var before = Functional.KernelIsa;
        Functional.KernelIsa = on ? KernelIsa.Auto : KernelIsa.Avx2;
        try
        {
            if (!on) Assert.Equal(KernelIsa.Avx2, Functional.KernelIsa);
            body();
        }
        finally
        {
            Functional.KernelIsa = before;
        }
    }
}

/// <summary>
/// The tests that flip the process-wide kernel ISA (<see cref="LinearReference.WithAvx512"/>) and compare results bit for
/// bit: they run alone, so no other test flips the switch between two of their calls.
/// </summary>
[CollectionDefinition(nameof(KernelIsaSwitch), DisableParallelization = true)]
public sealed class KernelIsaSwitch;
