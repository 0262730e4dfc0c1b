using System.Reflection;
using SelfSpec.Torch;
using Xunit.Sdk;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// A theory row that runs the test under one kernel instruction set (<see cref="Functional.KernelIsa"/>); reported as
/// skipped, with the reason, on a CPU that lacks it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class KernelIsaDataAttribute : DataAttribute
{
    public KernelIsaDataAttribute(KernelIsa isa)
    {
        Isa = isa;
        if (!Functional.KernelIsaSupported(isa))
            Skip = $"this CPU lacks {isa} (AVX2 needs AVX2 and FMA; AVX-512 needs AVX-512F, BW and VL): the {isa} kernels are not checked here";
    }

    /// <summary>The instruction set of the row.</summary>
    public KernelIsa Isa { get; }

    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Isa]];
}

/// <summary>Tests that switch the process-wide kernel ISA, so they run alone, not beside tests that would see the switch.</summary>
[CollectionDefinition(nameof(KernelIsaCollection), DisableParallelization = true)]
public sealed class KernelIsaCollection
{
    /// <summary>Runs <paramref name="body"/> with the kernels set to <paramref name="isa"/>, then restores the previous setting.</summary>
    public static void Run(KernelIsa isa, Action body)
    {
        var before = Functional.KernelIsa;
        Functional.KernelIsa = isa;
        try
        {
            Assert.Equal(isa, Functional.KernelIsa);
            body();
        }
        finally
        {
            Functional.KernelIsa = before;
        }
    }
}
