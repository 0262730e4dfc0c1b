namespace SelfSpec.Torch.Tests;

/// <summary>Functional.LinearRows against libtorch's own linear computed in float64.</summary>
[Collection(nameof(KernelIsaSwitch))]
public class LinearRowsTests
{
    [Theory]
    [InlineData(1, 64, 40, false, DType.Float32)]
    [InlineData(3, 67, 33, true, DType.Float32)]
    [InlineData(5, 768, 130, true, DType.Float32)]
    [InlineData(8, 96, 257, false, DType.Float32)]
    [InlineData(13, 19, 9, true, DType.Float32)]
    [InlineData(32, 128, 70, false, DType.Float32)]
    [InlineData(1, 768, 100, false, DType.BFloat16)]
    [InlineData(8, 77, 65, true, DType.BFloat16)]
    [InlineData(40, 64, 20, true, DType.BFloat16)] // many rows with bf16 weights: widened, then the BLAS fallback
    [InlineData(45, 70, 20, true, DType.Float32)] // many rows with f32 weights: the BLAS fallback
    [InlineData(8, 2048, 100, true, DType.Float32)] // down_proj's K: 8 rows x 3 weight rows blocks, N not a multiple of 3
    [InlineData(8, 2048, 101, false, DType.BFloat16)]
    [InlineData(7, 33, 50, true, DType.Float32)] // 4 + 2 + 1 row blocks, masked K tail
    [InlineData(31, 15, 49, true, DType.BFloat16)] // K shorter than one vector
    public void MatchesFloat64Linear(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType)
    {
        using var scope = DisposeScope.Begin();
        var (x, w, b) = LinearReference.Random(rows, inFeatures, outFeatures, withBias, weightType);
        LinearReference.AssertMatchesFloat64(Functional.LinearRows(x, w, b), x, w, b);
    }

    [Theory]
    [InlineData(1, 67, 33, true, DType.Float32)]
    [InlineData(8, 96, 257, false, DType.Float32)]
    [InlineData(13, 19, 9, true, DType.Float32)]
    [InlineData(8, 77, 65, true, DType.BFloat16)]
    [InlineData(3, 768, 100, false, DType.BFloat16)]
    public void Avx2KernelMatchesFloat64LinearToo(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType)
    {
        // On an AVX-512 machine the AVX2 kernel only runs when switched to.
        LinearReference.WithAvx512(false, () => MatchesFloat64Linear(rows, inFeatures, outFeatures, withBias, weightType));
    }

    [Theory]
    [InlineData(1, 768, DType.Float32)]
    [InlineData(8, 96, DType.Float32)]
    [InlineData(13, 67, DType.Float32)]
    [InlineData(1, 768, DType.BFloat16)]
    [InlineData(8, 77, DType.BFloat16)]
    [InlineData(40, 64, DType.Float32)] // many rows (prefill): still the kernel, whose result for a row does not depend on the others
    [InlineData(40, 64, DType.BFloat16)]
    public void AGroupEqualsSeparateCallsBitForBit(int rows, int inFeatures, DType weightType)
    {
        // Output counts that are not multiples of the tiles (48 and 64 rows) or the 3-row blocks, so tiles of several
        // weights meet inside one thread's share; a bias on some weights only.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(11);
        var x = Tensor.Randn([rows, inFeatures], g);
        long[] outs = [257, 50, 130];
        var weights = outs.Select(n => Tensor.Randn([n, inFeatures], g).To(weightType)).ToArray();
        Tensor?[] biases = [Tensor.Randn([257], g), null, Tensor.Randn([130], g)];
        foreach (var avx512 in new[] { true, false })
            LinearReference.WithAvx512(avx512, () =>
            {
                var grouped = Functional.LinearRows(x, weights, biases);
                Assert.Equal(3, grouped.Length);
                for (var i = 0; i < weights.Length; i++)
                {
                    var separate = Functional.LinearRows(x, weights[i], biases[i]);
                    Assert.Equal(separate.Shape, grouped[i].Shape);
                    Assert.Equal(separate.ToArray<float>(), grouped[i].ToArray<float>());
                    LinearReference.AssertMatchesFloat64(grouped[i], x, weights[i], biases[i]);
                }
            });
    }

    [Fact]
    public void AGroupOfMixedWeightTypesStillComputesEach()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(12);
        var x = Tensor.Randn([2, 1, 40], g);
        var w32 = Tensor.Randn([70, 40], g);
        var w16 = Tensor.Randn([33, 40], g).To(DType.BFloat16);
        var ys = Functional.LinearRows(x, [w32, w16]);
        Assert.Equal([2L, 1, 70], ys[0].Shape);
        Assert.Equal([2L, 1, 33], ys[1].Shape);
        Assert.Equal(Functional.LinearRows(x, w32).ToArray<float>(), ys[0].ToArray<float>());
        Assert.Equal(Functional.LinearRows(x, w16).ToArray<float>(), ys[1].ToArray<float>());
        Assert.ThrowsAny<TorchException>(() => Functional.LinearRows(x, [w32, Tensor.Randn([5, 41], g)]));
    }

    [Fact]
    public void KeepsLeadingDimensions()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(3);
        var x = Tensor.Randn([2, 1, 24], g);
        var w = Tensor.Randn([10, 24], g);
        var y = Functional.LinearRows(x, w);
        Assert.Equal([2L, 1, 10], y.Shape);
        Assert.True(y.AllClose(Functional.Linear(x, w), 1e-5, 1e-5));
    }

    [Fact]
    public void WithAutogradItFallsBackAndStaysDifferentiable()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        var x = Tensor.Randn([2, 16], g).RequiresGradInPlace();
        var w = Tensor.Randn([4, 16], g);
        Functional.LinearRows(x, w).Sum().Backward();
        var expected = w.Sum([0], keepDim: true).Expand(2, 16);
        Assert.True(x.Grad!.AllClose(expected, 1e-5, 1e-6));
    }
}
