using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// One <see cref="LogitsSampler"/> per row, each seeded with its row's seed (<see cref="GenerationOptions.RowSeeds"/>):
/// a row's random stream advances only with its own steps, exactly as when it is generated alone.
/// </summary>
internal sealed class RowSamplers : IDisposable
{
    private readonly LogitsSampler[] samplers;

    private RowSamplers(LogitsSampler[] samplers) => this.samplers = samplers;

    /// <summary>The samplers for <paramref name="rows"/> rows, or null when the options sample the batch as one (no row seeds, or greedy).</summary>
    /// <exception cref="ArgumentException">The number of row seeds is not the number of rows.</exception>
    public static RowSamplers? Create(GenerationOptions options, int rows)
    {
        if (options.RowSeeds is not { } seeds || options.Sampling.Greedy) return null;
        if (seeds.Count != rows) throw new ArgumentException($"{seeds.Count} row seeds for {rows} prompts", nameof(options));
        return new RowSamplers(seeds.Select(seed => new LogitsSampler(options.Sampling with { Seed = seed })).ToArray());
    }

    /// <summary>
    /// The next token of every prompt: row <c>i</c> of <paramref name="logits"/> belongs to prompt <c>rowOf[i]</c>;
    /// finished prompts (and prompts no longer in the batch) get <paramref name="padTokenId"/> and draw nothing.
    /// </summary>
    public long[] Next(Tensor logits, IReadOnlyList<int> rowOf, IReadOnlyList<bool> finished, IReadOnlyList<IReadOnlyList<int>> history, int padTokenId)
    {
        var next = new long[samplers.Length];
        Array.Fill(next, padTokenId);
        for (var i = 0; i < rowOf.Count; i++)
        {
            var b = rowOf[i];
            if (finished[b]) continue;
            using var scope = DisposeScope.Begin();
            next[b] = samplers[b].Next(logits.Narrow(0, i, 1), [history[b]])[0];
        }
        return next;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in samplers) s.Dispose();
    }
}
