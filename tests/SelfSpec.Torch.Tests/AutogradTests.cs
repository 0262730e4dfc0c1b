using SelfSpec.Torch.Optim;

namespace SelfSpec.Torch.Tests;

/// <summary>Gradients from autograd against central finite differences (float64), and the optimizer against its formula.</summary>
public class AutogradTests
{
    /// <summary>Checks d(sum(f(inputs) * w))/d(inputs) from autograd against central differences.</summary>
    private static void GradCheck(Func<Tensor[], Tensor> f, params (double[] Data, long[] Shape)[] inputs)
    {
        using var scope = DisposeScope.Begin();
        // fixed random weights make every output element matter differently
        Tensor Loss(Tensor[] xs)
        {
            var y = f(xs);
            var w = Tensor.From(Reference.RandomDoubles((int)y.NumElements, 99), y.Shape);
            return (y * w).Sum();
        }

        var leaves = inputs.Select(i => Tensor.From(i.Data, i.Shape).RequiresGradInPlace()).ToArray();
        Loss(leaves).Backward();
        const double eps = 1e-6;
        for (var k = 0; k < inputs.Length; k++)
        {
            var analytic = leaves[k].Grad!.ToArray<double>();
            var numeric = new double[inputs[k].Data.Length];
            for (var i = 0; i < numeric.Length; i++)
            {
                double Eval(double delta)
                {
                    using var inner = DisposeScope.Begin();
                    using var _ = new NoGrad();
                    var xs = inputs.Select((inp, j) =>
                    {
                        var d = (double[])inp.Data.Clone();
                        if (j == k) d[i] += delta;
                        return Tensor.From(d, inp.Shape);
                    }).ToArray();
                    return Loss(xs).ItemDouble();
                }
                numeric[i] = (Eval(eps) - Eval(-eps)) / (2 * eps);
            }
            Reference.AssertClose(numeric, analytic, 1e-6);
        }
    }

    private static (double[], long[]) Rand(int seed, params long[] shape) =>
        (Reference.RandomDoubles((int)shape.Aggregate(1L, (a, b) => a * b), seed), shape);

    [Fact]
    public void MatMulGradient() => GradCheck(x => x[0].MatMul(x[1]), Rand(1, 3, 4), Rand(2, 4, 5));

    [Fact]
    public void SoftmaxGradient() => GradCheck(x => x[0].Softmax(-1), Rand(3, 3, 6));

    [Fact]
    public void LogSoftmaxGradient() => GradCheck(x => x[0].LogSoftmax(-1), Rand(4, 3, 6));

    [Fact]
    public void RmsNormGradient() =>
        // x * rsqrt(mean(x², -1) + eps) * weight, as in Llama's RMSNorm
        GradCheck(x => x[0].Mul(x[0].Square().Mean(-1, keepDim: true).Add(1e-5).Rsqrt()).Mul(x[1]), Rand(5, 4, 8), Rand(6, 8));

    [Fact]
    public void SiluGradient() => GradCheck(x => x[0].Silu(), Rand(7, 10));

    [Fact]
    public void CatAndNarrowGradient() =>
        GradCheck(x => Tensor.Cat([x[0].Narrow(1, 1, 2), x[1]], 1).Mul(3), Rand(8, 3, 4), Rand(9, 3, 2));

    [Fact]
    public void IndexSelectGradientAccumulatesRepeatedRows() =>
        GradCheck(x => x[0].IndexSelect(0, Tensor.From([2L, 0L, 2L, 1L])), Rand(10, 3, 5));

    [Fact]
    public void CrossEntropyGradientWithIgnoredTargets()
    {
        GradCheck(x => Functional.CrossEntropy(x[0], Tensor.From([1L, -100L, 3L, 0L])), Rand(11, 4, 5));
        GradCheck(x => Functional.CrossEntropy(x[0], Tensor.From([1L, -100L, 3L, 0L]), Reduction.None), Rand(12, 4, 5));
    }

    [Fact]
    public void CrossEntropyValueIsTheMeanOverCountedTargets()
    {
        using var scope = DisposeScope.Begin();
        var (logits, _) = Rand(13, 4, 5);
        var targets = new long[] { 1, -100, 3, 0 };
        double expected = 0;
        var counted = 0;
        for (var i = 0; i < 4; i++)
        {
            if (targets[i] == -100) continue;
            var row = logits.AsSpan(i * 5, 5).ToArray().Select(v => (float)v).ToArray();
            var max = row.Max();
            var lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            expected += lse - logits[i * 5 + targets[i]];
            counted++;
        }
        expected /= counted;
        var loss = Functional.CrossEntropy(Tensor.From(logits, [4, 5]), Tensor.From(targets)).ItemDouble();
        Assert.Equal(expected, loss, 1e-6);
        var sum = Functional.CrossEntropy(Tensor.From(logits, [4, 5]), Tensor.From(targets), Reduction.Sum).ItemDouble();
        Assert.Equal(expected * counted, sum, 1e-6);
    }

    [Fact]
    public void GradientsAccumulateUntilZeroGradAndDetachCutsTheGraph()
    {
        using var scope = DisposeScope.Begin();
        var x = Tensor.From([1.0, 2.0, 3.0]).RequiresGradInPlace();
        Assert.True(x.IsLeaf);
        Assert.Null(x.Grad);
        x.Square().Sum().Backward();
        x.Square().Sum().Backward();
        Assert.Equal([4.0, 8.0, 12.0], x.Grad!.ToArray<double>()); // 2 · 2x
        x.ZeroGrad();
        Assert.Null(x.Grad);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        using (new NoGrad())
        {
            Assert.False(NoGrad.IsGradEnabled);
            Assert.False(x.Mul(2).RequiresGrad);
        }
        Assert.True(NoGrad.IsGradEnabled);
        Assert.True(x.Mul(2).RequiresGrad);
    }

    [Fact]
    public void AdamWStepsFollowTheDecoupledWeightDecayFormula()
    {
        using var scope = DisposeScope.Begin();
        var init = Reference.RandomDoubles(6, 31);
        var p = Tensor.From(init).RequiresGradInPlace();
        var target = Reference.RandomDoubles(6, 32);
        var opts = new AdamWOptions { LearningRate = 0.01, WeightDecay = 0.1 };
        using var opt = new AdamW([p], opts);

        var expected = (double[])init.Clone();
        var m = new double[6];
        var v = new double[6];
        for (var step = 1; step <= 3; step++)
        {
            opt.ZeroGrad();
            // loss = sum((p - target)²) → grad = 2 (p - target)
            p.Sub(Tensor.From(target)).Square().Sum().Backward();
            opt.Step();
            for (var i = 0; i < 6; i++)
            {
                var g = 2 * (expected[i] - target[i]);
                expected[i] *= 1 - opts.LearningRate * opts.WeightDecay;
                m[i] = opts.Beta1 * m[i] + (1 - opts.Beta1) * g;
                v[i] = opts.Beta2 * v[i] + (1 - opts.Beta2) * g * g;
                var bias1 = 1 - Math.Pow(opts.Beta1, step);
                var bias2 = 1 - Math.Pow(opts.Beta2, step);
                expected[i] -= opts.LearningRate / bias1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(bias2) + opts.Epsilon);
            }
        }
        Reference.AssertClose(expected, p.ToArray<double>(), 1e-12);

        var state = opt.GetState(0)!;
        Assert.Equal(3, state.Step);
        Reference.AssertClose(m, state.ExpAvg.ToArray<double>(), 1e-12);
        Reference.AssertClose(v, state.ExpAvgSq.ToArray<double>(), 1e-12);
    }

    [Fact]
    public void AdamWStateRestoredIntoAFreshOptimizerContinuesIdentically()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.From(Reference.RandomDoubles(4, 41)).RequiresGradInPlace();
        var b = Tensor.From(Reference.RandomDoubles(4, 41)).RequiresGradInPlace();
        using var optA = new AdamW([a], new AdamWOptions { LearningRate = 0.05 });
        void Step(AdamW o, Tensor p)
        {
            o.ZeroGrad();
            p.Pow(3).Sum().Backward();
            o.Step();
        }
        Step(optA, a);
        Step(optA, a);
        // copy parameters and state into b's fresh optimizer, then take one more step each
        using (new NoGrad()) b.CopyFrom(a);
        using var optB = new AdamW([b], new AdamWOptions { LearningRate = 0.05 });
        Assert.Null(optB.GetState(0));
        optB.SetState(0, optA.GetState(0)!);
        Step(optA, a);
        Step(optB, b);
        Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
    }

    [Fact]
    public void ClipGradNormScalesToTheMaximumAndReportsTheTotalNorm()
    {
        using var scope = DisposeScope.Begin();
        var p1 = Tensor.From([1.0, 2.0]).RequiresGradInPlace();
        var p2 = Tensor.From([3.0]).RequiresGradInPlace();
        p1.Mul(Tensor.From([3.0, 4.0])).Sum().Add(p2.Mul(12.0).Sum()).Backward(); // grads [3,4] and [12]: norm 13
        var norm = Functional.ClipGradNorm([p1, p2], maxNorm: 1.3);
        Assert.Equal(13.0, norm, 1e-9);
        var scale = 1.3 / (13.0 + 1e-6);
        Reference.AssertClose([3 * scale, 4 * scale], p1.Grad!.ToArray<double>(), 1e-9);
        Reference.AssertClose([12 * scale], p2.Grad!.ToArray<double>(), 1e-9);
    }

    [Fact]
    public void LearningRateCanBeChangedBetweenSteps()
    {
        using var scope = DisposeScope.Begin();
        var p = Tensor.From([1.0]).RequiresGradInPlace();
        using var opt = new AdamW([p], new AdamWOptions { LearningRate = 0.1 });
        opt.SetLearningRate(0.0);
        p.Sum().Backward();
        opt.Step();
        Assert.Equal(1.0, p.ToArray<double>()[0]);
    }
}
