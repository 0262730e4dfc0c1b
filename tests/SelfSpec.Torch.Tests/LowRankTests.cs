namespace SelfSpec.Torch.Tests;

/// <summary>
/// <see cref="Functional.AddLowRank"/> (LoRA updates applied unmerged, one adapter per row) against the same products
/// done by libtorch in float64; a row's bits against the row alone, in other batches, under either kernel ISA and on one
/// or two threads; bad arguments. Runs alone: it switches the process-wide thread count and kernel ISA.
/// </summary>
[Collection(nameof(MemoryAndErrorTests))]
public class LowRankTests
{
    // Ranks that are not multiples of the 8-lane chunks, and an adapter that leaves projection 1 alone.
    private static readonly int[] Ranks = [3, 8, 13];
    private static readonly double[] Scales = [2.0, 0.5, -1.25];
    private const int In = 37, Out = 29, OtherOut = 11;

    /// <summary>Three adapters for two projections ([In → Out] and [In → OtherOut]); adapter 1 adapts only projection 0.</summary>
    private static LowRankAdapters Adapters(Generator g)
    {
        var matrices = new (Tensor A, Tensor B)?[2, Ranks.Length];
        for (var i = 0; i < Ranks.Length; i++)
        {
            matrices[0, i] = (Tensor.Randn([Ranks[i], In], g), Tensor.Randn([Out, Ranks[i]], g));
            if (i != 1) matrices[1, i] = (Tensor.Randn([Ranks[i], In], g), Tensor.Randn([OtherOut, Ranks[i]], g));
        }
        return new LowRankAdapters(Scales, matrices);
    }

    /// <summary>y + s·(x·Aᵀ)·Bᵀ for row r's adapter, in float64 through libtorch.</summary>
    private static double[] Expected(Tensor y, Tensor x, LowRankAdapters adapters, int projection, int[] adapterOfRow)
    {
        var rows = new List<Tensor>();
        for (var r = 0; r < adapterOfRow.Length; r++)
        {
            var yr = y.Select(0, r).To(DType.Float64);
            if (adapterOfRow[r] is var a and >= 0 && adapters[projection, a] is { } pair)
            {
                var low = Functional.Linear(x.Select(0, r).To(DType.Float64), pair.A.To(DType.Float64));
                yr = yr.Add(Functional.Linear(low, pair.B.To(DType.Float64)).Mul(adapters.Scale(a)));
            }
            rows.Add(yr.Unsqueeze(0));
        }
        return Tensor.Cat(rows.ToArray(), 0).Contiguous().ToArray<double>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddsEachRowsAdapterUpdateAsFloat64ProductsDo(bool positions)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(3);
        var adapters = Adapters(g);
        int[] adapterOfRow = [0, -1, 2, 1, 0, 2];
        long[] shape = positions ? [6, 4] : [6];
        var x = Tensor.Randn([.. shape, In], g);
        foreach (var (projection, outFeatures) in new[] { (0, Out), (1, OtherOut) })
        {
            var y0 = Tensor.Randn([.. shape, outFeatures], g);
            var y = y0.Clone();
            Functional.AddLowRank(y, x, adapters, projection, adapterOfRow);
            var want = Expected(y0, x, adapters, projection, adapterOfRow);
            var got = y.ToArray<float>();
            for (var i = 0; i < got.Length; i++)
                Assert.True(Math.Abs(got[i] - want[i]) <= 1e-5 * Math.Max(1, Math.Abs(want[i])), $"projection {projection}, element {i}: {got[i]} vs {want[i]}");
            // Rows without an update (no adapter, or one that does not adapt the projection) keep their bits.
            var before = y0.ToArray<float>();
            var perRow = got.Length / adapterOfRow.Length;
            for (var r = 0; r < adapterOfRow.Length; r++)
                if (adapterOfRow[r] < 0 || adapters[projection, adapterOfRow[r]] is null)
                    Assert.True(got.AsSpan(r * perRow, perRow).SequenceEqual(before.AsSpan(r * perRow, perRow)), $"row {r} changed");
        }
    }

    /// <summary>Each row alone (its adapter the only one), then the rows in several mixed batches: the same bits.</summary>
    private static void AssertRowsMatchAlone(LowRankAdapters adapters, Tensor x, Tensor y0)
    {
        using var scope = DisposeScope.Begin();
        int[][] batches = [[0, -1, 2, 1, 0, 2, 1, -1, 0, 2, 2, 1], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [-1, 1, -1, 0, 1, 2, 0, 0, 1, 2, -1, 0]];
        var rows = (int)x.Size(0);
        foreach (var batch in batches)
        {
            var y = y0.Clone();
            Functional.AddLowRank(y, x, adapters, 0, batch);
            var got = y.ToArray<float>();
            for (var r = 0; r < rows; r++)
            {
                if (batch[r] < 0) continue;
                var one = new (Tensor A, Tensor B)?[1, 1];
                one[0, 0] = adapters[0, batch[r]];
                var alone = y0.Narrow(0, r, 1).Clone();
                Functional.AddLowRank(alone, x.Narrow(0, r, 1), new LowRankAdapters([adapters.Scale(batch[r])], one), 0, [0]);
                Assert.True(alone.ToArray<float>().AsSpan().SequenceEqual(got.AsSpan(r * Out, Out)),
                    $"row {r} (adapter {batch[r]}) in batch [{string.Join(", ", batch)}] differs from the row alone");
            }
        }
    }

    [Fact]
    public void ARowsBitsDoNotDependOnItsBatchTheThreadsOrTheKernelIsa()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(4);
        var adapters = Adapters(g);
        var x = Tensor.Randn([12, In], g);
        var y0 = Tensor.Randn([12, Out], g);
        int[] mixed = [0, -1, 2, 1, 0, 2, 1, -1, 0, 2, 2, 1];
        float[] Run()
        {
            var y = y0.Clone();
            Functional.AddLowRank(y, x, adapters, 0, mixed);
            return y.ToArray<float>();
        }

        // Prefill-sized: enough work (1024 rows) that the products run on the kernel pool rather than the calling thread.
        var big = new (Tensor A, Tensor B)?[1, Ranks.Length];
        for (var i = 0; i < Ranks.Length; i++) big[0, i] = (Tensor.Randn([Ranks[i], 256], g), Tensor.Randn([300, Ranks[i]], g));
        var bigAdapters = new LowRankAdapters(Scales, big);
        var bigX = Tensor.Randn([64, 16, 256], g);
        var bigY0 = Tensor.Randn([64, 16, 300], g);
        var bigRows = Enumerable.Range(0, 64).Select(r => r % 4 - 1).ToArray();
        float[] RunBig()
        {
            var y = bigY0.Clone();
            Functional.AddLowRank(y, bigX, bigAdapters, 0, bigRows);
            return y.ToArray<float>();
        }

        var threads = Torch.Threads;
        var isa = Functional.KernelIsa;
        try
        {
            Torch.Threads = 1;
            var oneThread = Run();
            var bigOneThread = RunBig();
            AssertRowsMatchAlone(adapters, x, y0);
            Torch.Threads = 2;
            Assert.Equal(2, Torch.ShimThreads);
            for (var i = 0; i < 10; i++) Assert.Equal(oneThread, Run());
            for (var i = 0; i < 3; i++) Assert.Equal(bigOneThread, RunBig());
            // A row of the big batch alone gets the same bits.
            var alone = bigY0.Narrow(0, 5, 1).Clone();
            var one = new (Tensor A, Tensor B)?[1, 1];
            one[0, 0] = bigAdapters[0, bigRows[5]];
            Functional.AddLowRank(alone, bigX.Narrow(0, 5, 1), new LowRankAdapters([Scales[bigRows[5]]], one), 0, [0]);
            Assert.True(alone.ToArray<float>().AsSpan().SequenceEqual(bigOneThread.AsSpan(5 * 16 * 300, 16 * 300)));
            AssertRowsMatchAlone(adapters, x, y0);
            foreach (var other in new[] { KernelIsa.Avx2, KernelIsa.Avx512 }.Where(Functional.KernelIsaSupported))
            {
                Functional.KernelIsa = other;
                Assert.Equal(oneThread, Run());
                Assert.Equal(bigOneThread, RunBig());
            }
        }
        finally
        {
            Functional.KernelIsa = isa;
            Torch.Threads = threads;
        }
    }

    [Fact]
    public void BadArgumentsSayWhatIsWrong()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        var adapters = Adapters(g);
        var x = Tensor.Randn([3, In], g);
        var y = Tensor.Randn([3, Out], g);
        string Fails(Action call) => Assert.Throws<TorchException>(call).Message;

        Assert.Contains("row 1's adapter index 3 is out of range (3 adapters", Fails(() => Functional.AddLowRank(y, x, adapters, 0, [0, 3, -1])));
        Assert.Contains("row 2's adapter index -2", Fails(() => Functional.AddLowRank(y, x, adapters, 0, [0, 1, -2])));
        Assert.Contains("2 adapter indices for an output of [3, 29]", Fails(() => Functional.AddLowRank(y, x, adapters, 0, [0, 1])));
        Assert.Contains("the output must be a contiguous float32", Fails(() => Functional.AddLowRank(y.Transpose(0, 1), x, adapters, 0, [0, 1, 2])));
        Assert.Contains("different rows", Fails(() => Functional.AddLowRank(y, Tensor.Randn([4, In], g), adapters, 0, [0, 1, 2])));

        (Tensor A, Tensor B)?[,] One(Tensor a, Tensor b) => new (Tensor A, Tensor B)?[,] { { (a, b) } };
        var wrongIn = new LowRankAdapters([1.0], One(Tensor.Randn([4, In + 1], g), Tensor.Randn([Out, 4], g)));
        Assert.Contains("adapter 0's A for the projection must be [rank, 37], got [4, 38]", Fails(() => Functional.AddLowRank(y, x, wrongIn, 0, [0, 0, 0])));
        var wrongRank = new LowRankAdapters([1.0], One(Tensor.Randn([4, In], g), Tensor.Randn([Out, 5], g)));
        Assert.Contains("adapter 0's B for the projection must be [29, 4] (A has rank 4), got [29, 5]", Fails(() => Functional.AddLowRank(y, x, wrongRank, 0, [0, 0, 0])));
        var bf16 = new LowRankAdapters([1.0], One(Tensor.Randn([4, In], g).To(DType.BFloat16), Tensor.Randn([Out, 4], g)));
        Assert.Contains("adapter 0's A for the projection must be a contiguous float32 CPU tensor, got BFloat16", Fails(() => Functional.AddLowRank(y, x, bf16, 0, [0, 0, 0])));
        var transposed = new LowRankAdapters([1.0], One(Tensor.Randn([4, In], g), Tensor.Randn([4, Out], g).Transpose(0, 1)));
        Assert.Contains("adapter 0's B for the projection must be a contiguous float32", Fails(() => Functional.AddLowRank(y, x, transposed, 0, [0, 0, 0])));

        var trainable = Tensor.Randn([4, In], g).RequiresGradInPlace();
        var withGrad = new LowRankAdapters([1.0], One(trainable, Tensor.Randn([Out, 4], g)));
        Assert.Contains("not differentiable", Fails(() => Functional.AddLowRank(y, x, withGrad, 0, [0, 0, 0])));
        Assert.Throws<ArgumentException>(() => new LowRankAdapters([1.0, double.NaN], new (Tensor A, Tensor B)?[1, 2]));
        Assert.Throws<ArgumentException>(() => new LowRankAdapters([1.0], new (Tensor A, Tensor B)?[1, 2]));
    }
    /// <summary>
    /// Three tiled weights of <paramref name="inFeatures"/> inputs (Out, OtherOut and 300 outputs; biases on the first and
    /// third) and three adapters of <see cref="Ranks"/> for them as projections 0, 1, 2: adapter 1 leaves projection 1
    /// alone, only adapter 2 adapts projection 2.
    /// </summary>
    private static (TiledWeight[] Weights, Tensor?[] Biases, LowRankAdapters Adapters) Group(Generator g, int inFeatures)
    {
        int[] outs = [Out, OtherOut, 300];
        var weights = outs.Select(n => TiledWeight.From(Tensor.Randn([n, inFeatures], g))).ToArray();
        Tensor?[] biases = [Tensor.Randn([Out], g), null, Tensor.Randn([300], g)];
        var matrices = new (Tensor A, Tensor B)?[3, Ranks.Length];
        for (var i = 0; i < Ranks.Length; i++)
            for (var p = 0; p < 3; p++)
                if ((p != 1 || i != 1) && (p != 2 || i == 2))
                    matrices[p, i] = (Tensor.Randn([Ranks[i], inFeatures], g), Tensor.Randn([outs[p], Ranks[i]], g));
        return (weights, biases, new LowRankAdapters(Scales, matrices));
    }

    /// <summary>The group's projections, then each one's low-rank updates added by <see cref="Functional.AddLowRank"/>: the separate passes.</summary>
    private static float[][] Separately(Tensor x, TiledWeight[] weights, Tensor?[] biases, LowRankAdapters adapters, int[] projections, int[] adapterOfRow)
    {
        var ys = Functional.TiledLinear(x, weights, biases);
        for (var i = 0; i < ys.Length; i++) Functional.AddLowRank(ys[i], x, adapters, projections[i], adapterOfRow);
        return ys.Select(y => y.ToArray<float>()).ToArray();
    }

    private static float[][] Together(Tensor x, TiledWeight[] weights, Tensor?[] biases, LowRankAdapters adapters, int[] projections, int[] adapterOfRow) =>
        Functional.TiledLinearWithAdapters(x, weights, biases, adapters, projections, adapterOfRow).Select(y => y.ToArray<float>()).ToArray();

    [Fact]
    public void TheProjectionsWithTheirUpdatesInOneRegionGiveTheBitsOfTheSeparatePasses()
    {
        // The fused decode layer and the prefill's projections add the updates inside the projections' parallel region
        // (the products with A first, those with B block by block after each block of outputs): every output must be
        // what the projection followed by AddLowRank gives, for a prefill-sized batch of many row panels (1,024 rows of
        // 256 inputs: 384 rows a panel) and a decode step's few rows, whatever the rows' adapters, on one or two
        // threads, under either kernel ISA; and a row alone gets its bits from the big batch.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(6);
        var (weights, biases, adapters) = Group(g, 256);
        try
        {
            int[] projections = [0, 1, 2];
            var bigX = Tensor.Randn([64, 16, 256], g);
            var bigRows = Enumerable.Range(0, 64).Select(r => r % 4 - 1).ToArray();
            var fewX = Tensor.Randn([6, 256], g);
            int[] fewRows = [0, -1, 2, 1, 0, 2];
            var threads = Torch.Threads;
            var isa = Functional.KernelIsa;
            try
            {
                foreach (var kernelIsa in new[] { KernelIsa.Avx2, KernelIsa.Avx512 }.Where(Functional.KernelIsaSupported))
                {
                    Functional.KernelIsa = kernelIsa;
                    Torch.Threads = 1;
                    var bigReference = Separately(bigX, weights, biases, adapters, projections, bigRows);
                    var fewReference = Separately(fewX, weights, biases, adapters, projections, fewRows);
                    foreach (var threadCount in new[] { 1, 2 })
                    {
                        Torch.Threads = threadCount;
                        for (var repeat = 0; repeat < 3; repeat++)
                        {
                            Assert.Equal(bigReference, Together(bigX, weights, biases, adapters, projections, bigRows));
                            Assert.Equal(fewReference, Together(fewX, weights, biases, adapters, projections, fewRows));
                        }
                        // One weight at a time, and in another order, changes nothing either.
                        Assert.Equal(bigReference[2], Together(bigX, [weights[2]], [biases[2]], adapters, [2], bigRows)[0]);
                        var reordered = Together(fewX, [weights[1], weights[0]], [biases[1], biases[0]], adapters, [1, 0], fewRows);
                        Assert.Equal(fewReference[1], reordered[0]);
                        Assert.Equal(fewReference[0], reordered[1]);
                        // Row 6 of the big batch (adapter 1) alone, its adapter the only one.
                        var one = new (Tensor A, Tensor B)?[3, 1];
                        for (var p = 0; p < 3; p++) one[p, 0] = adapters[p, bigRows[6]];
                        var alone = Together(bigX.Narrow(0, 6, 1), weights, biases, new LowRankAdapters([adapters.Scale(bigRows[6])], one), projections, [0]);
                        for (var i = 0; i < 3; i++)
                        {
                            var perRow = bigReference[i].Length / 64;
                            Assert.True(alone[i].AsSpan().SequenceEqual(bigReference[i].AsSpan(6 * perRow, perRow)), $"{kernelIsa}, {threadCount} thread(s): weight {i} of row 6 alone differs");
                        }
                    }
                }
            }
            finally
            {
                Functional.KernelIsa = isa;
                Torch.Threads = threads;
            }
            // The updates are there: without adapters the rows with one differ, the rows without keep the plain projection.
            var plain = Functional.TiledLinear(fewX, weights, biases).Select(y => y.ToArray<float>()).ToArray();
            var adapted = Together(fewX, weights, biases, adapters, projections, fewRows);
            var perRowQ = Out;
            for (var r = 0; r < fewRows.Length; r++)
                Assert.Equal(fewRows[r] < 0, plain[0].AsSpan(r * perRowQ, perRowQ).SequenceEqual(adapted[0].AsSpan(r * perRowQ, perRowQ)));
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
        }
    }

    [Fact]
    public void TheProjectionsWithTheirUpdatesRefuseBadArguments()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(7);
        var (weights, biases, adapters) = Group(g, In);
        try
        {
            var x = Tensor.Randn([3, In], g);
            string Fails(Action call) => Assert.Throws<TorchException>(call).Message;
            Assert.Contains("row 1's adapter index 3 is out of range", Fails(() => Functional.TiledLinearWithAdapters(x, weights, biases, adapters, [0, 1, 2], [0, 3, -1])));
            Assert.Contains("2 adapter indices for an input of [3, 37]", Fails(() => Functional.TiledLinearWithAdapters(x, weights, biases, adapters, [0, 1, 2], [0, 1])));
            // Weight 1's outputs (11) do not fit projection 0's B (29 rows).
            Assert.Contains("adapter 0's B for weight 1 must be [11,", Fails(() => Functional.TiledLinearWithAdapters(x, weights, biases, adapters, [0, 0, 2], [0, 1, 2])));
            Assert.Throws<ArgumentException>(() => Functional.TiledLinearWithAdapters(x, weights, biases, adapters, [0, 1], [0, 1, 2]));
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.TiledLinearWithAdapters(x, weights, biases, adapters, [0, 1, 3], [0, 1, 2]));
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
        }
    }
}
