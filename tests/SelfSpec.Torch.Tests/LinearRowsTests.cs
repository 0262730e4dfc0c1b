namespace SelfSpec.Torch.Tests;

/// <summary>Functional.LinearRows against libtorch's own linear computed in float64.</summary>
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
        using var g = new Generator(7);
        var x = Tensor.Randn([rows, inFeatures], g);
        var w = Tensor.Randn([outFeatures, inFeatures], g).To(weightType);
        var b = withBias ? Tensor.Randn([outFeatures], g) : null;
        var y = Functional.LinearRows(x, w, b);
        Assert.Equal(DType.Float32, y.DType);
        var reference = Functional.Linear(x.To(DType.Float64), w.To(DType.Float64), b?.To(DType.Float64));
        var err = y.To(DType.Float64).Sub(reference).Abs().Max().ItemDouble();
        Assert.True(err < 1e-4 * Math.Sqrt(inFeatures), $"max error {err}");
    }

    [Theory]
    [InlineData(1, 67, 33, true, DType.Float32)]
    [InlineData(8, 96, 257, false, DType.Float32)]
    [InlineData(13, 19, 9, true, DType.Float32)]
    [InlineData(8, 77, 65, true, DType.BFloat16)]
    [InlineData(3, 768, 100, false, DType.BFloat16)]
    public void Avx2KernelMatchesFloat64LinearToo(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType)
    {
        // On an AVX-512 machine the AVX2 kernel only runs when switched to; either kernel gives correct results, so
        // flipping the process-wide switch cannot break tests running at the same time.
        var before = Functional.LinearRowsUsesAvx512;
        Functional.LinearRowsUsesAvx512 = false;
        try
        {
            Assert.False(Functional.LinearRowsUsesAvx512);
            MatchesFloat64Linear(rows, inFeatures, outFeatures, withBias, weightType);
        }
        finally
        {
            Functional.LinearRowsUsesAvx512 = before;
        }
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
