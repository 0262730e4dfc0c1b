namespace SelfSpec.Torch.Tests;

/// <summary>Functional.RmsNorm and Functional.RotaryHeadsFirst against the same formulas written with libtorch ops in float64.</summary>
public class FusedOpsTests
{
    [Theory]
    [InlineData(1, 768)]
    [InlineData(37, 64)]
    [InlineData(512, 19)] // H not a multiple of the vector width
    public void RmsNormMatchesFloat64(int rows, int hidden)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(21);
        var x = Tensor.Randn([rows, 1, hidden], g).Mul(3.0);
        var w = Tensor.Randn([hidden], g);
        using var noGrad = new NoGrad();
        var y = Functional.RmsNorm(x, w, 1e-6);
        var xd = x.To(DType.Float64);
        var reference = xd.Mul(xd.Square().Mean([-1], keepDim: true).Add(1e-6).Rsqrt()).Mul(w.To(DType.Float64));
        Assert.Equal(x.Shape, y.Shape);
        Assert.True(y.To(DType.Float64).Sub(reference).Abs().Max().ItemDouble() < 1e-4, "RMSNorm differs from the float64 formula");
    }

    [Theory]
    [InlineData(2, 5, 3, 64, true)]
    [InlineData(8, 1, 12, 64, false)] // one decode position, tables shared by the batch
    [InlineData(1, 7, 2, 6, true)]
    public void RotaryMatchesRotateHalfFormula(int batch, int t, int heads, int dim, bool tablePerRow)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(22);
        var x = Tensor.Randn([batch, t, heads, dim], g);
        var angles = Tensor.Randn([tablePerRow ? batch : 1, t, 1, dim], g);
        var cos = angles.Cos();
        var sin = angles.Sin();
        using var noGrad = new NoGrad();
        var y = Functional.RotaryHeadsFirst(x, cos, sin);
        Assert.Equal([batch, heads, t, dim], y.Shape);

        var xd = x.To(DType.Float64);
        var half = dim / 2;
        var rotated = Tensor.Cat([xd.Narrow(-1, half, half).Neg(), xd.Narrow(-1, 0, half)], -1);
        var reference = xd.Mul(cos.To(DType.Float64)).Add(rotated.Mul(sin.To(DType.Float64))).Permute(0, 2, 1, 3);
        Assert.True(y.To(DType.Float64).Sub(reference).Abs().Max().ItemDouble() < 1e-5, "rotary differs from the float64 formula");
    }

    /// <summary>
    /// The kernel's eight-lane path (half a head a multiple of 8) and its scalar one (other sizes) give each element the
    /// separately rounded float32 products and sum of the formula — no fused multiply-add — so the decode layer and the
    /// op-by-op path, and CPUs with and without AVX2, agree bit for bit.
    /// </summary>
    [Theory]
    [InlineData(64)]
    [InlineData(80)]
    [InlineData(128)]
    [InlineData(6)]
    public void RotaryRoundsEachProductAndSumInFloat32(int dim)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(23);
        var x = Tensor.Randn([3, 4, 5, dim], g).Mul(7.0);
        var angles = Tensor.Randn([3, 4, 1, dim], g).Mul(3.0);
        var cos = angles.Cos();
        var sin = angles.Sin();
        using var noGrad = new NoGrad();
        var y = Functional.RotaryHeadsFirst(x, cos, sin);

        var half = dim / 2;
        var lo = x.Narrow(-1, 0, half);
        var hi = x.Narrow(-1, half, half);
        // float32 tensor ops: each Mul and Sub/Add rounds on its own.
        var first = lo.Mul(cos.Narrow(-1, 0, half)).Sub(hi.Mul(sin.Narrow(-1, 0, half)));
        var second = hi.Mul(cos.Narrow(-1, half, half)).Add(lo.Mul(sin.Narrow(-1, half, half)));
        var reference = Tensor.Cat([first, second], -1).Permute(0, 2, 1, 3).Contiguous();
        Assert.Equal(reference.ToArray<float>(), y.Contiguous().ToArray<float>());
    }

    [Fact]
    public void RefusesAutogradInputs()
    {
        using var scope = DisposeScope.Begin();
        var x = Tensor.Randn([2, 8]).RequiresGradInPlace();
        var w = Tensor.Ones([8]);
        Assert.ThrowsAny<TorchException>(() => Functional.RmsNorm(x, w, 1e-6));
    }

    [Fact]
    public void RefusesWrongShapes()
    {
        using var scope = DisposeScope.Begin();
        using var noGrad = new NoGrad();
        Assert.ThrowsAny<TorchException>(() => Functional.RmsNorm(Tensor.Randn([2, 8]), Tensor.Ones([7]), 1e-6));
        Assert.ThrowsAny<TorchException>(() => Functional.RotaryHeadsFirst(Tensor.Randn([1, 2, 3, 5]), Tensor.Ones([1, 2, 1, 5]), Tensor.Ones([1, 2, 1, 5])));
    }
}
