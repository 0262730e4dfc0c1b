using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>Chooses next tokens from a batch of logits according to <see cref="SamplingOptions"/>; owns the seeded random generator.</summary>
public sealed class LogitsSampler : IDisposable
{
    private readonly SelfSpec.Torch.Generator? generator;

    /// <summary>Creates a sampler (the generator is seeded from <see cref="SamplingOptions.Seed"/>, or randomly).</summary>
    public LogitsSampler(SamplingOptions options)
    {
        options.Validate();
        Options = options;
        if (!options.Greedy) generator = new SelfSpec.Torch.Generator(options.Seed ?? (ulong)Random.Shared.NextInt64());
    }

    /// <summary>The options in force.</summary>
    public SamplingOptions Options { get; }

    /// <summary>
    /// Applies the repetition penalty, temperature, top-k and top-p to <paramref name="logits"/> [batch, vocab] (float32) and
    /// returns the filtered scores (−∞ for removed tokens); <paramref name="history"/> holds each row's previous tokens.
    /// </summary>
    public Tensor Process(Tensor logits, IReadOnlyList<IReadOnlyList<int>>? history)
    {
        using var scope = DisposeScope.Begin();
        var scores = logits;
        if (Options.RepetitionPenalty != 1.0 && history != null) scores = ApplyRepetitionPenalty(scores, history, Options.RepetitionPenalty);
        if (!Options.Greedy)
        {
            if (Options.Temperature != 1.0) scores = scores.Div(Options.Temperature);
            if (Options.TopK > 0 && Options.TopK < scores.Size(-1))
            {
                var (kth, _) = scores.TopK(Options.TopK, -1);
                var threshold = kth.Narrow(-1, Options.TopK - 1, 1);
                scores = scores.MaskedFill(scores.Lt(threshold), double.NegativeInfinity);
            }
            if (Options.TopP < 1.0) scores = ApplyTopP(scores, Options.TopP);
        }
        if (ReferenceEquals(scores, logits)) scores = logits.Alias();
        return scope.MoveToOuter(scores);
    }

    /// <summary>The next token of every row.</summary>
    public long[] Next(Tensor logits, IReadOnlyList<IReadOnlyList<int>>? history)
    {
        using var scope = DisposeScope.Begin();
        return Draw(Process(logits, history));
    }

    /// <summary>
    /// Draws one index per row from softmax(<paramref name="scores"/>) with this sampler's generator (argmax when
    /// greedy): on the CPU with one random number per row (<see cref="Functional.SampleRows"/>), elsewhere with
    /// libtorch's multinomial.
    /// </summary>
    public long[] Draw(Tensor scores)
    {
        using var scope = DisposeScope.Begin();
        var chosen = Options.Greedy ? scores.ArgMax(-1)
            : SamplesNatively(scores) ? Functional.SampleRows(scores, generator)
            : scores.Softmax(-1).Multinomial(1, generator: generator).View(-1);
        return chosen.ToArray<long>();
    }

    /// <summary>Float32 scores on the CPU: the shim's sampling kernels apply; elsewhere libtorch's ops run.</summary>
    private static bool SamplesNatively(Tensor scores) => scores.Device.Type == DeviceType.Cpu && scores.DType == DType.Float32;

    private static Tensor ApplyRepetitionPenalty(Tensor scores, IReadOnlyList<IReadOnlyList<int>> history, double penalty)
    {
        var rows = new List<Tensor>();
        for (var b = 0; b < scores.Size(0); b++)
        {
            var row = scores.Select(0, b).Clone();
            var seen = history[b].Distinct().Select(i => (long)i).ToArray();
            if (seen.Length > 0)
            {
                var index = Tensor.From<long>(seen);
                var picked = row.Gather(0, index);
                var penalised = Tensor.Where(picked.Lt(0.0), picked.Mul(penalty), picked.Div(penalty));
                row.ScatterInPlace(0, index, penalised);
            }
            rows.Add(row);
        }
        return Tensor.Stack(rows, 0);
    }

    /// <summary>
    /// Hugging Face's TopPLogitsWarper: drop the least likely tokens whose cumulative probability is ≤ 1 − p, keeping at
    /// least one. On the CPU one native pass (<see cref="Functional.TopPFilter"/>); elsewhere libtorch's sort, softmax
    /// and cumsum, as the warper does it.
    /// </summary>
    private static Tensor ApplyTopP(Tensor scores, double topP)
    {
        if (SamplesNatively(scores)) return Functional.TopPFilter(scores, topP);
        var (sorted, order) = scores.Sort(-1, descending: false);
        var cumulative = sorted.Softmax(-1).CumSum(-1);
        var removeSorted = cumulative.Le(1 - topP);
        var vocab = scores.Size(-1);
        removeSorted.Narrow(-1, vocab - 1, 1).Fill(false);
        var remove = removeSorted.Scatter(-1, order, removeSorted);
        return scores.MaskedFill(remove, double.NegativeInfinity);
    }

    /// <inheritdoc />
    public void Dispose() => generator?.Dispose();
}
