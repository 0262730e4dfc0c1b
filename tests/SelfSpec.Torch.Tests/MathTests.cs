namespace SelfSpec.Torch.Tests;

public class MathTests
{
    [Fact]
    public void MatMulMatchesADoubleLoopReference()
    {
        using var scope = DisposeScope.Begin();
        const int m = 17, k = 33, n = 9;
        var a = Reference.RandomFloats(m * k, 1);
        var b = Reference.RandomFloats(k * n, 2);
        var got = Tensor.From(a, [m, k]).MatMul(Tensor.From(b, [k, n])).ToArray<float>();
        Reference.AssertClose(Reference.MatMul(a, b, m, k, n), got, 1e-5);
    }

    [Fact]
    public void BatchedMatMulAndLinearAgreeWithPerBatchReference()
    {
        using var scope = DisposeScope.Begin();
        const int bsz = 3, m = 4, k = 5, n = 6;
        var a = Reference.RandomFloats(bsz * m * k, 3);
        var b = Reference.RandomFloats(bsz * k * n, 4);
        var got = Tensor.From(a, [bsz, m, k]).Bmm(Tensor.From(b, [bsz, k, n])).ToArray<float>();
        var expected = new List<double>();
        for (var i = 0; i < bsz; i++)
            expected.AddRange(Reference.MatMul(a[(i * m * k)..((i + 1) * m * k)], b[(i * k * n)..((i + 1) * k * n)], m, k, n));
        Reference.AssertClose(expected, got, 1e-5);

        // linear(x, W, bias) = x Wᵀ + bias with W [out, in]
        var x = Reference.RandomFloats(m * k, 5);
        var w = Reference.RandomFloats(n * k, 6);
        var bias = Reference.RandomFloats(n, 7);
        var lin = Functional.Linear(Tensor.From(x, [m, k]), Tensor.From(w, [n, k]), Tensor.From(bias)).ToArray<float>();
        var wt = new float[k * n];
        for (var i = 0; i < n; i++) for (var j = 0; j < k; j++) wt[j * n + i] = w[i * k + j];
        var refLin = Reference.MatMul(x, wt, m, k, n);
        for (var i = 0; i < m; i++) for (var j = 0; j < n; j++) refLin[i * n + j] += bias[j];
        Reference.AssertClose(refLin, lin, 1e-5);
    }

    [Fact]
    public void BroadcastingArithmeticWithTensorsAndScalars()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.From([1f, 2f, 3f, 4f, 5f, 6f], [2, 3]);
        var row = Tensor.From([10f, 20f, 30f], [1, 3]);
        var col = Tensor.From([2f, 4f], [2, 1]);
        Assert.Equal([11f, 22, 33, 14, 25, 36], (a + row).ToArray<float>());
        Assert.Equal([-9f, -18, -27, -6, -15, -24], (a - row).ToArray<float>());
        Assert.Equal([2f, 4, 6, 16, 20, 24], (a * col).ToArray<float>());
        Assert.Equal([0.5f, 1, 1.5f, 1, 1.25f, 1.5f], (a / col).ToArray<float>());
        Assert.Equal([3f, 4, 5, 6, 7, 8], (a + 2).ToArray<float>());
        Assert.Equal([9f, 8, 7, 6, 5, 4], (10 - a).ToArray<float>());
        Assert.Equal([0.5f, 1, 1.5f, 2, 2.5f, 3], (a / 2).ToArray<float>());
        Assert.Equal([-1f, -2, -3, -4, -5, -6], (-a).ToArray<float>());
        Assert.Equal([1f, 4, 9, 16, 25, 36], a.Pow(2).ToArray<float>());
        Assert.Equal([21f, 42, 63, 24, 45, 66], a.Add(row, alpha: 2).ToArray<float>());
        // integer tensors keep integer arithmetic; a float scalar promotes to float
        var ints = Tensor.From([1L, 2L, 3L]);
        Assert.Equal(DType.Int64, (ints + 1L).DType);
        Assert.Equal(DType.Float32, ints.Mul(0.5).DType);
        Assert.Equal([0.5f, 1f, 1.5f], ints.Mul(0.5).ToArray<float>());
    }

    [Fact]
    public void UnaryFunctionsMatchMathLibrary()
    {
        using var scope = DisposeScope.Begin();
        var x = Reference.RandomDoubles(200, 11, 3).Select(v => v).ToArray();
        var pos = x.Select(v => Math.Abs(v) + 0.1).ToArray();
        var t = Tensor.From(x);
        var p = Tensor.From(pos);
        Reference.AssertClose(pos.Select(v => Math.Sqrt(v)).ToArray(), p.Sqrt().ToArray<double>(), 1e-12);
        Reference.AssertClose(pos.Select(v => 1 / Math.Sqrt(v)).ToArray(), p.Rsqrt().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Exp(v)).ToArray(), t.Exp().ToArray<double>(), 1e-12);
        Reference.AssertClose(pos.Select(v => Math.Log(v)).ToArray(), p.Log().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => v / (1 + Math.Exp(-v))).ToArray(), t.Silu().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(), t.Sigmoid().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Tanh(v)).ToArray(), t.Tanh().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Sin(v)).ToArray(), t.Sin().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Cos(v)).ToArray(), t.Cos().ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Pow(Math.Abs(v) + 0.1, 1.7)).ToArray(), p.Pow(1.7).ToArray<double>(), 1e-12);
        Reference.AssertClose(x.Select(v => Math.Clamp(v, -1, 0.5)).ToArray(), t.Clamp(-1, 0.5).ToArray<double>(), 0);
        Reference.AssertClose(x.Select(Math.Abs).ToArray(), t.Abs().ToArray<double>(), 0);
    }

    [Fact]
    public void ComparisonsWhereMaskedFillAndTriangles()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.From([1f, 5f, 3f, 7f]);
        var b = Tensor.From([2f, 5f, 1f, 8f]);
        Assert.Equal([false, true, false, false], a.Eq(b).ToArray<bool>());
        Assert.Equal([true, false, false, true], a.Lt(b).ToArray<bool>());
        Assert.Equal([false, true, true, true], a.Gt(2.5).ToArray<bool>());
        Assert.Equal([2f, 5, 3, 8], Tensor.Where(a.Gt(b), a, b).ToArray<float>());
        Assert.Equal([1f, float.NegativeInfinity, 3, float.NegativeInfinity], a.MaskedFill(a.Gt(4), float.NegativeInfinity).ToArray<float>());
        var ones = Tensor.Ones([3, 3]);
        Assert.Equal([1f, 0, 0, 1, 1, 0, 1, 1, 1], ones.Tril().ToArray<float>());
        Assert.Equal([0f, 1, 1, 0, 0, 1, 0, 0, 0], ones.Triu(1).ToArray<float>());
        Assert.Equal([false, true, true, false], a.Gt(2).LogicalAnd(a.Lt(6)).ToArray<bool>());
        Assert.Equal([2f, 5, 3, 8], a.Maximum(b).ToArray<float>());
    }

    [Fact]
    public void InPlaceOperationsChangeTheTensorItself()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.From([1f, 2f, 3f]);
        a.AddInPlace(Tensor.From([1f, 1f, 1f]), alpha: 2).MulInPlace(10.0);
        Assert.Equal([30f, 40, 50], a.ToArray<float>());
        a.CopyFrom(Tensor.From([7f, 8f, 9f]));
        Assert.Equal([7f, 8, 9], a.ToArray<float>());
        a.Zero();
        Assert.Equal([0f, 0, 0], a.ToArray<float>());
        var cache = Tensor.Zeros([4, 2]);
        cache.IndexCopyInPlace(0, Tensor.From([1L, 3L]), Tensor.From([1f, 2f, 3f, 4f], [2, 2]));
        Assert.Equal([0f, 0, 1, 2, 0, 0, 3, 4], cache.ToArray<float>());
    }
}
