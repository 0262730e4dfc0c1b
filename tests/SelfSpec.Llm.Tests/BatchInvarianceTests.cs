using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// A row's output does not depend on which other rows share its batch, bit for bit, on each kernel ISA: the logits of the
/// model on every inference path (tiled and row-major projections, the fused decode layer and the op-by-op step, an
/// unmerged LoRA adapter), and the batched decoders' own batch tests run under AVX2 and AVX-512 in turn.
/// </summary>
[Collection(nameof(KernelIsaCollection))]
public sealed class BatchInvarianceTests
{
    private static readonly int[] Prompt = Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("prompt"));

    // Different lengths (so different left padding in each batch), one longer than the others.
    private static readonly IReadOnlyList<int>[] Prompts =
    [
        Prompt, [17, 250, 99], Prompt.Skip(2).ToArray(), [5, 6], Prompt.Take(4).ToArray(),
        Enumerable.Range(0, 41).Select(i => (i * 53 + 7) % 300 + 3).ToArray(),
    ];

    [Theory]
    [KernelIsaData(KernelIsa.Avx2)]
    [KernelIsaData(KernelIsa.Avx512)]
    public void ARowsLogitsAreTheSameBitsInEveryBatchOnEveryPath(KernelIsa isa) => KernelIsaCollection.Run(isa, () =>
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        (string Path, bool Tiled, bool Fused, LoraAdapter? Adapter)[] paths =
        [
            ("tiled projections, fused decode layer", true, true, null),
            ("tiled projections, decode step op by op", true, false, null),
            ("row-major projections", false, false, null),
            ("unmerged LoRA adapter", true, true, adapter),
        ];
        int[][] batches = [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [1, 5], [3, 0, 4]];
        foreach (var (path, tiled, fused, lora) in paths)
        {
            model.TileWeights = tiled;
            model.FuseDecodeLayers = fused;
            var alone = Prompts.Select(p => StepLogits(model, [p], lora)[0]).ToArray();
            foreach (var batch in batches)
            {
                var logits = StepLogits(model, batch.Select(i => Prompts[i]).ToArray(), lora);
                for (var r = 0; r < batch.Length; r++)
                    Assert.True(alone[batch[r]].AsSpan().SequenceEqual(logits[r]),
                        $"{isa}, {path}: prompt {batch[r]} in batch [{string.Join(", ", batch)}] differs from the prompt alone " +
                        $"(first difference at logit {FirstDifference(alone[batch[r]], logits[r])})");
            }
        }
    });

    [Theory]
    [KernelIsaData(KernelIsa.Avx2)]
    [KernelIsaData(KernelIsa.Avx512)]
    public void DroppingFinishedRowsChangesNoRowOfTheTextGenerator(KernelIsa isa) => KernelIsaCollection.Run(isa, () =>
    {
        var tests = new GenerationTests();
        tests.DroppingFinishedRowsFromTheBatchChangesNoRow(sampled: true);
        tests.LeftPaddedBatchGeneratesWhatEachRowGeneratesAlone();
        tests.ComputingACommonPrefixOnceGeneratesWhatEachRowGeneratesAlone();
    });

    [Theory]
    [KernelIsaData(KernelIsa.Avx2)]
    [KernelIsaData(KernelIsa.Avx512)]
    public void EachRagTokenQueryOfABatchEqualsItsOwnCall(KernelIsa isa) => KernelIsaCollection.Run(isa, () =>
    {
        var tests = new RagTokenBatchTests();
        tests.EachQueryOfABatchEqualsItsOwnCallAndTheReference();
        tests.AFinishedQueryStopsWhileTheOthersContinue();
    });

    [Theory]
    [KernelIsaData(KernelIsa.Avx2)]
    [KernelIsaData(KernelIsa.Avx512)]
    public void DroppingFinishedContrastiveRagTokenQueriesChangesNoQuery(KernelIsa isa) => KernelIsaCollection.Run(isa, () =>
    {
        using var tests = new ContrastiveRagTokenTests();
        tests.DroppingFinishedQueriesFromTheBatchChangesNoQuery();
    });

    /// <summary>
    /// Each row's last-position logits of a left-padded prefill and of <paramref name="steps"/> cached decode steps, the
    /// row's next tokens a function of its own prompt only.
    /// </summary>
    private static float[][] StepLogits(LlamaModel model, IReadOnlyList<IReadOnlyList<int>> prompts, LoraAdapter? adapter, int steps = 6)
    {
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        int rows = prompts.Count, promptLength = prompts.Max(p => p.Count), vocab = model.Config.VocabSize;
        var ids = new long[rows * promptLength];
        var mask = new long[rows * (promptLength + steps)];
        for (var b = 0; b < rows; b++)
        {
            var offset = promptLength - prompts[b].Count;
            for (var j = 0; j < prompts[b].Count; j++)
            {
                ids[b * promptLength + offset + j] = prompts[b][j];
                mask[b * (promptLength + steps) + offset + j] = 1;
            }
            for (var s = 0; s < steps; s++) mask[b * (promptLength + steps) + promptLength + s] = 1;
        }
        var fullMask = Tensor.From<long>(mask, [rows, promptLength + steps]);
        using var cache = model.CreateCache(rows, promptLength + steps);
        var input = Tensor.From<long>(ids, [rows, promptLength]);
        var collected = prompts.Select(_ => new List<float>()).ToArray();
        for (var s = 0; s <= steps; s++)
        {
            var logits = model.Forward(input, fullMask.Narrow(1, 0, promptLength + s), cache, adapter, lastPositionOnly: true).Contiguous().ToArray<float>();
            for (var b = 0; b < rows; b++) collected[b].AddRange(logits.AsSpan(b * vocab, vocab).ToArray());
            var next = prompts.Select(p => (long)((p.Sum() + 31 * s + 7) % vocab)).ToArray();
            input = Tensor.From<long>(next, [rows, 1]);
        }
        return collected.Select(c => c.ToArray()).ToArray();
    }

    private static int FirstDifference(float[] a, float[] b) => Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], -1);
}
