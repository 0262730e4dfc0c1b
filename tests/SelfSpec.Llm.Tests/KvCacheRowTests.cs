using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// Rows join and leave a cache in place (<see cref="KvCache.AppendRow"/>, <see cref="KvCache.RemoveRow"/>,
/// <see cref="KvCache.ShiftRight"/>) and the model then decodes from it exactly as from a cache
/// <see cref="KvCache.Compose"/>d afresh with the same rows at the same positions.
/// </summary>
public sealed class KvCacheRowTests
{
    private static readonly int[][] Prompts = [[1, 73, 5, 38, 193, 231, 87, 12, 44], [1, 5, 6, 9], [1, 9, 8, 7, 6, 5, 4, 3, 2, 11, 13, 17]];

    [Fact]
    public void ACacheChangedInPlaceDecodesTheBitsOfOneComposedAfresh()
    {
        using var noGrad = new NoGrad();
        using var model = LlamaModel.Load(Fixtures.Model);
        var alone = Prompts.Select(p => Prefill(model, p)).ToArray();
        try
        {
            // Rows 9 and 4 tokens long, right-aligned at length 9; the first leaves (the second takes its place), the batch
            // moves 3 columns right, and the 12-token one joins.
            using var inPlace = KvCache.Compose(64, 9, [new KvRowSource(alone[0], 0, 0, 9, 0), new KvRowSource(alone[1], 0, 0, 4, 5)], rowCapacity: 2);
            Assert.Equal(2, inPlace.RowCapacity);
            Assert.Throws<InvalidOperationException>(() => inPlace.AppendRow(alone[2], 0, 0, 9, 0)); // both rows in use
            inPlace.RemoveRow(0, lastRowStart: 5);
            inPlace.ShiftRight(3);
            inPlace.AppendRow(alone[2], 0, 0, 12, 0);
            Assert.Equal((2, 12), (inPlace.Batch, inPlace.Length));

            using var composed = KvCache.Compose(64, 12, [new KvRowSource(alone[1], 0, 0, 4, 8), new KvRowSource(alone[2], 0, 0, 12, 0)]);
            Assert.Equal(Decode(model, inPlace), Decode(model, composed));
        }
        finally
        {
            foreach (var c in alone) c.Dispose();
        }
    }

    [Fact]
    public void RowChangesThatDoNotFitAreRefusedAndChangeNothing()
    {
        using var noGrad = new NoGrad();
        using var model = LlamaModel.Load(Fixtures.Model);
        using var one = Prefill(model, Prompts[0]);
        using var cache = KvCache.Compose(10, 9, [new KvRowSource(one, 0, 0, 9, 0)], rowCapacity: 3);
        Assert.Throws<InvalidOperationException>(() => cache.ShiftRight(2)); // 9 + 2 > 10 positions
        Assert.Throws<ArgumentException>(() => cache.AppendRow(one, 0, 0, 9, 1)); // past the filled length
        Assert.Throws<ArgumentException>(() => cache.AppendRow(one, 1, 0, 9, 0)); // no such source row
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.RemoveRow(1, 0));
        Assert.Equal((1, 9), (cache.Batch, cache.Length));
    }

    private static KvCache Prefill(LlamaModel model, int[] prompt)
    {
        var cache = model.CreateCache(1, prompt.Length);
        using var ids = Tensor.From<long>(prompt.Select(i => (long)i).ToArray(), [1, prompt.Length]);
        model.Forward(ids, null, cache).Dispose();
        return cache;
    }

    /// <summary>One decode step of every row (token 42, each row seeing its right-aligned prompt) and its logits.</summary>
    private static float[] Decode(LlamaModel model, KvCache cache)
    {
        var rows = cache.Batch;
        var width = cache.Length + 1;
        var lengths = new[] { Prompts[1].Length, Prompts[2].Length };
        var mask = new long[rows * width];
        for (var r = 0; r < rows; r++)
            for (var c = width - 1 - lengths[r]; c < width; c++) mask[r * width + c] = 1;
        using var scope = DisposeScope.Begin();
        var logits = model.Forward(Tensor.From<long>(Enumerable.Repeat(42L, rows).ToArray(), [rows, 1]), Tensor.From<long>(mask, [rows, width]), cache,
            adapter: null, lastPositionOnly: true);
        return logits.Contiguous().ToArray<float>();
    }
}
