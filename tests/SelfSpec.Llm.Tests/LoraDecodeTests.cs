using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// LoRA adapters in the fused decode step (<see cref="Functional.LlamaDecodeLayer"/> with per-row adapters) against the
/// op-by-op pass, against the PyTorch/PEFT fixture, and row by row: base rows and rows of adapters of different ranks,
/// scales and target projections in one batch each get the bits they get alone, whatever the batch, the thread count or
/// the kernel ISA. Runs alone (it switches the process-wide kernel ISA and thread count).
/// </summary>
[Collection(nameof(KernelIsaCollection))]
public sealed class LoraDecodeTests
{
    /// <summary>
    /// Three adapters of <see cref="FusedDecodeLayerTests.Config"/>: rank 3 on every projection (scale 2), rank 8 on the
    /// attention's q and v only (scale 0.5), rank 5 on the gate and down projections of layers 0 and 2 only (scale −1.2).
    /// </summary>
    internal static LoraAdapter[] Adapters(LlamaConfig config)
    {
        LoraConfig[] configs =
        [
            new() { Rank = 3, Alpha = 6 },
            new() { Rank = 8, Alpha = 4, TargetModules = ["q_proj", "v_proj"] },
            new() { Rank = 5, Alpha = -6, TargetModulesRegex = @"model\.layers\.[02]\.mlp\.(gate|down)_proj" },
        ];
        using var noGrad = new NoGrad();
        using var g = new Generator(11);
        return configs.Select((c, i) =>
        {
            var adapter = LoraAdapter.CreateTrainable(config, c, seed: (ulong)(20 + i), name: $"adapter{i}");
            foreach (var pair in adapter.Pairs.Values) pair.B.NormalInPlace(0, 0.3, g);
            return adapter;
        }).ToArray();
    }

    private static readonly int[][] Prompts = [[1, 5, 17], [1, 33, 90, 44, 8, 61], [1, 70, 12, 3, 95], [4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9], [60, 50]];

    /// <summary>
    /// Each row's last-position logits of a left-padded prefill and of <paramref name="steps"/> decode steps (next tokens a
    /// function of the row's prompt and the step): [row][step · vocab]. Rows' adapters as a <see cref="RowAdapters"/> unless
    /// <paramref name="single"/> (the same adapter on every row, through the single-adapter overload).
    /// </summary>
    internal static float[][] StepLogits(LlamaModel model, IReadOnlyList<int[]> prompts, IReadOnlyList<LoraAdapter?> adapterOfRow, int steps = 5, bool single = false)
    {
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        int rows = prompts.Count, width = prompts.Max(p => p.Length), vocab = model.Config.VocabSize;
        var ids = new long[rows * width];
        var mask = new long[rows * (width + steps)];
        for (var b = 0; b < rows; b++)
        {
            var offset = width - prompts[b].Length;
            for (var j = 0; j < prompts[b].Length; j++)
            {
                ids[b * width + offset + j] = prompts[b][j];
                mask[b * (width + steps) + offset + j] = 1;
            }
            for (var s = 0; s < steps; s++) mask[b * (width + steps) + width + s] = 1;
        }
        var fullMask = Tensor.From<long>(mask, [rows, width + steps]);
        using var cache = model.CreateCache(rows, width + steps);
        using var perRow = single ? null : new RowAdapters(adapterOfRow);
        var input = Tensor.From<long>(ids, [rows, width]);
        var collected = prompts.Select(_ => new List<float>()).ToArray();
        for (var s = 0; s <= steps; s++)
        {
            var attention = fullMask.Narrow(1, 0, width + s);
            var logits = single
                ? model.Forward(input, attention, cache, adapterOfRow[0], lastPositionOnly: true)
                : model.Forward(input, attention, cache, perRow, lastPositionOnly: true);
            var values = logits.Contiguous().ToArray<float>();
            for (var b = 0; b < rows; b++) collected[b].AddRange(values.AsSpan(b * vocab, vocab).ToArray());
            input = Tensor.From<long>(prompts.Select(p => (long)((p.Sum() + 13 * s + 7) % vocab)).ToArray(), [rows, 1]);
        }
        return collected.Select(c => c.ToArray()).ToArray();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void FusedStepsWithAdaptersGiveTheBitsOfTheOpByOpPass(bool bias, bool bf16Weights)
    {
        // Both paths add an adapter's update with the same native kernel (Functional.AddLowRank) after the same base
        // projections, so the logits agree bit for bit, under either kernel ISA.
        using var model = FusedDecodeLayerTests.Model(bias, bf16Weights);
        var adapters = Adapters(model.Config);
        try
        {
            LoraAdapter?[] rows = [adapters[0], null, adapters[1], adapters[2], adapters[0], adapters[2]];
            foreach (var isa in new[] { KernelIsa.Avx2, KernelIsa.Avx512 }.Where(Functional.KernelIsaSupported))
                KernelIsaCollection.Run(isa, () =>
                {
                    model.FuseDecodeLayers = true;
                    Assert.All(adapters, a => Assert.True(model.DecodesFused(rows.Length, a)));
                    var fused = StepLogits(model, Prompts, rows);
                    model.FuseDecodeLayers = false;
                    Assert.False(model.DecodesFused(1, adapters[0]));
                    var opByOp = StepLogits(model, Prompts, rows);
                    for (var r = 0; r < rows.Length; r++)
                    {
                        var diff = fused[r].Zip(opByOp[r], (a, b) => Math.Abs(a - b)).Max();
                        Assert.True(fused[r].AsSpan().SequenceEqual(opByOp[r]), $"{isa}, row {r}: fused and op-by-op logits differ (by up to {diff})");
                    }
                    // The adapters do change the rows they are on.
                    model.FuseDecodeLayers = true;
                    var baseOnly = StepLogits(model, Prompts, new LoraAdapter?[rows.Length]);
                    for (var r = 0; r < rows.Length; r++)
                        Assert.Equal(rows[r] == null, baseOnly[r].AsSpan().SequenceEqual(fused[r]));
                });
        }
        finally
        {
            model.FuseDecodeLayers = true;
            foreach (var a in adapters) a.Dispose();
        }
    }

    [Theory]
    [KernelIsaData(KernelIsa.Avx2)]
    [KernelIsaData(KernelIsa.Avx512)]
    public void EachRowOfAMixedBatchGetsTheBitsItGetsAloneOnEveryThreadCount(KernelIsa isa) => KernelIsaCollection.Run(isa, () =>
    {
        using var model = FusedDecodeLayerTests.Model(bias: true, bf16Weights: false);
        var adapters = Adapters(model.Config);
        var threads = Torch.Torch.Threads;
        try
        {
            foreach (var fused in new[] { true, false })
            {
                model.FuseDecodeLayers = fused;
                // Alone: batch 1 through the single-adapter overload, as TextGenerator runs a prompt.
                LoraAdapter?[] all = [.. adapters, null];
                var alone = Prompts.Select(p => all.Select(a => StepLogits(model, [p], [a], single: true)[0]).ToArray()).ToArray();
                int[][] layouts = [[0, 3, 1, 2, 0, 2], [2, 2, 2, 2, 2, 2], [3, 1, 3, 0, 3, 1], [1, 0, 2, 3, 3, 0]];
                foreach (var threadCount in new[] { 1, 2 })
                {
                    Torch.Torch.Threads = threadCount;
                    foreach (var layout in layouts)
                    {
                        var logits = StepLogits(model, Prompts, layout.Select(i => all[i]).ToArray());
                        for (var r = 0; r < layout.Length; r++)
                            Assert.True(alone[r][layout[r]].AsSpan().SequenceEqual(logits[r]),
                                $"{isa}, {(fused ? "fused" : "op-by-op")}, {threadCount} thread(s): row {r} (adapter {layout[r]}) of [{string.Join(", ", layout)}] differs from the row alone");
                    }
                }
                Torch.Torch.Threads = threads;
            }
        }
        finally
        {
            Torch.Torch.Threads = threads;
            model.FuseDecodeLayers = true;
            foreach (var a in adapters) a.Dispose();
        }
    });

    [Fact]
    public void AdaptersTheNativeKernelDoesNotTakeAreAppliedToTheirOwnRowsThroughLibtorch()
    {
        // A bfloat16 model with bfloat16 adapters (as on a GPU, the native kernel does not apply): each adapter runs on its
        // own gathered rows, and a row of a mixed batch gets what its adapter gives it alone, to bfloat16 rounding
        // (bfloat16 compute goes through libtorch's kernels, which are not batch-invariant), far closer than the adapter's
        // own effect on the row.
        using var model = LlamaModel.Load(Fixtures.Model, new LlamaLoadOptions { DType = DType.BFloat16 });
        using var a = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.BFloat16);
        var extra = Adapters(model.Config);
        try
        {
            using var b = LoraAdapter.FromPairs("b", new LoraConfig { Rank = 8, Alpha = 4 }, extra[1].Pairs.ToDictionary(kv => kv.Key,
                kv => new LoraPair(kv.Value.A.To(DType.BFloat16).DetachFromScope(), kv.Value.B.To(DType.BFloat16).DetachFromScope())));
            Assert.False(model.DecodesFused(1, a));
            LoraAdapter?[] rows = [a, null, b, a];
            int[][] prompts = [[73, 5, 38], [1, 2, 3, 4], [9, 8], [100, 200, 300, 17, 5]];
            var mixed = StepLogits(model, prompts, rows, steps: 3);
            static double MaxDiff(float[] x, float[] y) => x.Zip(y, (p, q) => Math.Abs((double)p - q)).Max();
            for (var r = 0; r < rows.Length; r++)
            {
                var alone = StepLogits(model, [prompts[r]], [rows[r]], steps: 3, single: true)[0];
                var other = StepLogits(model, [prompts[r]], [rows[r] == null ? a : null], steps: 3, single: true)[0];
                var (diff, effect) = (MaxDiff(alone, mixed[r]), MaxDiff(other, mixed[r]));
                Assert.True(diff * 8 < effect, $"row {r}: {diff} from its adapter alone, {effect} from the row with the other adapter choice");
            }
        }
        finally
        {
            foreach (var x in extra) x.Dispose();
        }
    }

    [Fact]
    public void FusedDecodeStepsWithTheFixtureAdapterMatchPeftsLogits()
    {
        // The PyTorch/PEFT reference logits of the tiny model with its LoRA adapter, position by position, here computed
        // one token at a time through the KV cache: every step, the first included, is a fused decode step.
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        var ids = Fixtures.Expected("input_ids");
        var expected = Fixtures.Expected("logits_lora");
        var tol = Fixtures.Tolerance("logits_abs");
        var (rows, length) = ((int)ids.Size(0), (int)ids.Size(1));
        Assert.True(model.DecodesFused(rows, adapter));
        using var cache = model.CreateCache(rows, length);
        using var perRow = new RowAdapters([adapter, null]);
        using var baseCache = model.CreateCache(rows, length);
        var baseExpected = Fixtures.Expected("logits");
        for (var t = 0; t < length; t++)
        {
            var step = model.Forward(ids.Narrow(1, t, 1), null, cache, adapter, lastPositionOnly: true);
            Assert.InRange(Fixtures.MaxAbsDiff(step, expected.Narrow(1, t, 1)), 0, tol);
            // Row 0 with the adapter beside row 1 on the base model: each matches its own reference.
            var mixed = model.Forward(ids.Narrow(1, t, 1), null, baseCache, perRow, lastPositionOnly: true);
            Assert.InRange(Fixtures.MaxAbsDiff(mixed.Narrow(0, 0, 1), expected.Narrow(0, 0, 1).Narrow(1, t, 1)), 0, tol);
            Assert.InRange(Fixtures.MaxAbsDiff(mixed.Narrow(0, 1, 1), baseExpected.Narrow(0, 1, 1).Narrow(1, t, 1)), 0, tol);
        }
    }
}
