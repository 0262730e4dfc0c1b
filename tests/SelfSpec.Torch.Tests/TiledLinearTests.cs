namespace SelfSpec.Torch.Tests;

/// <summary>TiledWeight and Functional.TiledLinear against libtorch's linear computed in float64.</summary>
[Collection(nameof(KernelIsaSwitch))]
public class TiledLinearTests
{
    [Theory]
    [InlineData(1, 64, 40, false, DType.Float32)]
    [InlineData(3, 67, 33, true, DType.Float32)]
    [InlineData(5, 768, 130, true, DType.Float32)]
    [InlineData(8, 96, 257, false, DType.Float32)] // 8-row blocks, 17 tiles: groups of three and a single tile
    [InlineData(13, 19, 9, true, DType.Float32)] // 8 + 4 + 1 rows, one partial tile
    [InlineData(32, 128, 70, false, DType.Float32)]
    [InlineData(1, 768, 100, false, DType.BFloat16)]
    [InlineData(8, 77, 65, true, DType.BFloat16)]
    [InlineData(7, 2048, 101, true, DType.BFloat16)] // 4 + 2 + 1 rows
    [InlineData(31, 15, 49, true, DType.Float32)]
    [InlineData(33, 64, 40, true, DType.Float32)] // past the decode kernels' 32 rows: prefill
    [InlineData(200, 768, 50, false, DType.Float32)] // panels of 128 rows and 72
    [InlineData(301, 2048, 70, true, DType.BFloat16)] // six panels of 48 rows and one of 13 (8 + 4 + 1)
    [InlineData(517, 96, 33, true, DType.Float32)] // one panel of 517 rows
    public void MatchesFloat64Linear(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType)
    {
        using var scope = DisposeScope.Begin();
        var (x, w, b) = LinearReference.Random(rows, inFeatures, outFeatures, withBias, weightType);
        using var tiled = TiledWeight.From(w);
        Assert.Equal([(outFeatures + 15) / 16, inFeatures, 16], tiled.Tiles.Shape);
        LinearReference.AssertMatchesFloat64(Functional.TiledLinear(x, [tiled], [b])[0], x, w, b);
    }

    [Theory]
    [InlineData(1, 67, 33, true, DType.Float32)]
    [InlineData(8, 96, 257, false, DType.Float32)]
    [InlineData(13, 19, 9, true, DType.Float32)]
    [InlineData(7, 77, 65, true, DType.BFloat16)]
    [InlineData(11, 300, 40, true, DType.Float32)] // 6 + 5 rows over three chunks of k (128, 128, 44)
    [InlineData(10, 260, 33, false, DType.BFloat16)] // 6 + 4 rows, three chunks
    [InlineData(9, 129, 17, true, DType.Float32)] // 6 + 3 rows, a chunk of one k
    public void Avx2KernelMatchesFloat64LinearToo(int rows, int inFeatures, int outFeatures, bool withBias, DType weightType)
    {
        // The switch of LinearRows also selects the tiled kernel's AVX2 variant.
        LinearReference.WithAvx512(false, () =>
        {
            MatchesFloat64Linear(rows, inFeatures, outFeatures, withBias, weightType);
            ARowsResultDoesNotDependOnTheBatchOrTheGroup(weightType);
        });
    }

    [Fact]
    public void TilesHoldSixteenOutputRowsPerInputFeatureAndZeroPadding()
    {
        using var scope = DisposeScope.Begin();
        var w = Tensor.Arange(0, 20 * 3, 1, DType.Float32).View(20, 3);
        using var tiled = TiledWeight.From(w);
        var t = tiled.Tiles.ToArray<float>(); // [2, 3, 16]
        for (var n = 0; n < 32; n++)
            for (var k = 0; k < 3; k++)
                Assert.Equal(n < 20 ? n * 3 + k : 0f, t[((n / 16) * 3 + k) * 16 + n % 16]);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.BFloat16)]
    public void ARowsResultDoesNotDependOnTheBatchOrTheGroup(DType weightType)
    {
        // Each output is accumulated in k order whatever the block of rows: row i alone, in a batch of 13 (8 + 4 + 1
        // blocks with AVX-512, 6 + 6 + 1 with AVX2, whose blocks take k in chunks of 128) and in a group with other
        // weights give the same bits.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(11);
        var x = Tensor.Randn([13, 300], g);
        using var a = TiledWeight.From(Tensor.Randn([257, 300], g).To(weightType));
        using var b = TiledWeight.From(Tensor.Randn([50, 300], g).To(weightType));
        var bias = Tensor.Randn([257], g);
        var batch = Functional.TiledLinear(x, [a], [bias])[0].ToArray<float>();
        var group = Functional.TiledLinear(x, [a, b], [bias, null]);
        Assert.Equal(batch, group[0].ToArray<float>());
        Assert.Equal(Functional.TiledLinear(x, [b])[0].ToArray<float>(), group[1].ToArray<float>());
        for (var i = 0; i < 13; i++)
        {
            var alone = Functional.TiledLinear(x.Narrow(0, i, 1), [a], [bias])[0].ToArray<float>();
            Assert.Equal(batch.Skip(i * 257).Take(257), alone);
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.BFloat16)]
    public void ARowsResultDoesNotDependOnItsPanel(DType weightType)
    {
        // Prefill-sized inputs go in panels of rows (48 rows at 2048 input features): a row gives the same bits in any
        // panel, at any place in it, and alone.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(12);
        var x = Tensor.Randn([101, 2048], g);
        using var w = TiledWeight.From(Tensor.Randn([40, 2048], g).To(weightType));
        var batch = Functional.TiledLinear(x, [w])[0].ToArray<float>();
        var shifted = Functional.TiledLinear(x.Narrow(0, 5, 96), [w])[0].ToArray<float>();
        Assert.Equal(batch.Skip(5 * 40).Take(96 * 40), shifted);
        foreach (var i in new[] { 0, 47, 48, 95, 100 })
        {
            var alone = Functional.TiledLinear(x.Narrow(0, i, 1), [w])[0].ToArray<float>();
            Assert.Equal(batch.Skip(i * 40).Take(40), alone);
        }
    }

    [Fact]
    public void BadInputsAreClearErrors()
    {
        using var scope = DisposeScope.Begin();
        using var w = TiledWeight.From(Tensor.Randn([40, 64]));
        var none = Assert.Throws<TorchException>(() => Functional.TiledLinear(Tensor.Randn([0, 64]), [w]));
        Assert.Contains("the input has no rows", none.Message);
        var wrongWidth = Assert.Throws<TorchException>(() => Functional.TiledLinear(Tensor.Randn([2, 65]), [w]));
        Assert.Contains("must be a contiguous tiled [3, 65, 16]", wrongWidth.Message);
        var badBias = Assert.Throws<TorchException>(() => Functional.TiledLinear(Tensor.Randn([2, 64]), [w], [Tensor.Randn([41])]));
        Assert.Contains("bias 0 must be float32 [40]", badBias.Message);
        var x = Tensor.Randn([2, 64]).RequiresGradInPlace();
        var grad = Assert.Throws<TorchException>(() => Functional.TiledLinear(x, [w]));
        Assert.Contains("not differentiable", grad.Message);
        Assert.Throws<TorchException>(() => TiledWeight.From(Tensor.Randn([4, 4, 4])));
    }
}
