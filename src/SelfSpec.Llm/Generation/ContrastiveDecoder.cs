using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>How contrastive decoding searches.</summary>
public enum ContrastiveSearch
{
    /// <summary>Take the best-scoring token each step.</summary>
    Greedy,
    /// <summary>Draw from softmax of the contrastive scores (with the sampler's temperature/top-k/top-p).</summary>
    Sample,
    /// <summary>Beam search maximising the summed contrastive score.</summary>
    Beam,
}

/// <summary>Settings of contrastive decoding.</summary>
public sealed record ContrastiveOptions
{
    /// <summary>Plausibility threshold α: only tokens with p_expert ≥ α · max p_expert are candidates.</summary>
    public double Alpha { get; init; } = 0.1;

    /// <summary>
    /// τ: the amateur's log-probabilities are divided by it without renormalising (as in the official code); 1 gives
    /// the paper's score log p_EXP − log p_AMA.
    /// </summary>
    public double AmateurTemperature { get; init; } = 1.0;

    /// <summary>The search.</summary>
    public ContrastiveSearch Search { get; init; } = ContrastiveSearch.Greedy;

    /// <summary>Beams for <see cref="ContrastiveSearch.Beam"/>.</summary>
    public int BeamWidth { get; init; } = 5;
}

/// <summary>
/// Contrastive decoding (Li et al. 2023; self-specialization eq. 3): the expert (the model with an adapter) and the
/// amateur (the base model, or another adapter) score every token; tokens outside the expert's plausible set
/// V_head = {v : p_EXP(v) ≥ α · max_w p_EXP(w)} are excluded and the rest are ranked by log p_EXP(v) − log p_AMA(v) / τ.
/// </summary>
public sealed class ContrastiveDecoder
{
    /// <summary>Creates a decoder; expert and amateur share <paramref name="model"/> and differ by adapter.</summary>
    public ContrastiveDecoder(LlamaModel model, LoraAdapter? expertAdapter, LoraAdapter? amateurAdapter = null, ITokenizer? tokenizer = null)
    {
        Model = model;
        ExpertAdapter = expertAdapter;
        AmateurAdapter = amateurAdapter;
        Tokenizer = tokenizer;
    }

    /// <summary>The shared base model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The expert's adapter.</summary>
    public LoraAdapter? ExpertAdapter { get; }

    /// <summary>The amateur's adapter (null: the base model).</summary>
    public LoraAdapter? AmateurAdapter { get; }

    /// <summary>The tokenizer used to decode the output, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>
    /// The contrastive scores [rows, vocab] from expert and amateur logits: −∞ outside the plausible set.
    /// </summary>
    public static Tensor Scores(Tensor expertLogits, Tensor amateurLogits, double alpha, double amateurTemperature)
    {
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1]");
        if (!(amateurTemperature > 0)) throw new ArgumentOutOfRangeException(nameof(amateurTemperature), amateurTemperature, "amateur temperature must be > 0");
        using var scope = DisposeScope.Begin();
        var expert = expertLogits.LogSoftmax(-1);
        var amateur = amateurLogits.LogSoftmax(-1).Div(amateurTemperature);
        var (best, _) = expert.Max(-1, keepDim: true);
        var implausible = expert.Lt(best.Add(Math.Log(alpha)));
        return scope.MoveToOuter(expert.Sub(amateur).MaskedFill(implausible, double.NegativeInfinity));
    }

    /// <summary>
    /// Generates from <paramref name="prompt"/>; the result's log-probs are the contrastive scores of the chosen tokens.
    /// Greedy and sampled search stop at a stop string of <paramref name="options"/> when a tokenizer is set (the text is not cut).
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions options, ContrastiveOptions contrastive, CancellationToken cancellationToken = default)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token", nameof(prompt));
        var eos = options.EndOfSequenceIds(Model.Config, Tokenizer);
        return contrastive.Search == ContrastiveSearch.Beam
            ? Beam(prompt, options, contrastive, eos, cancellationToken)
            : Stepwise(prompt, options, contrastive, eos, cancellationToken);
    }

    private GenerationResult Stepwise(IReadOnlyList<int> prompt, GenerationOptions options, ContrastiveOptions contrastive, HashSet<int> eos, CancellationToken ct)
    {
        var sampling = contrastive.Search == ContrastiveSearch.Greedy ? SamplingOptions.GreedyDecoding : options.Sampling with { Greedy = false };
        var rows = new PaddedBatch([prompt], options.MaxNewTokens, Model.Config.PadTokenId ?? 0, Model.Device);
        var generated = new List<int>();
        var scoresOut = new List<double>();
        var reason = FinishReason.Length;
        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(sampling);
        using var expertCache = Model.CreateCache(1, rows.Capacity);
        using var amateurCache = Model.CreateCache(1, rows.Capacity);
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            ct.ThrowIfCancellationRequested();
            int token;
            double score;
            using (var scope = DisposeScope.Begin())
            {
                var expert = Model.Forward(rows.NextInput(expertCache.Length), null, expertCache, ExpertAdapter, lastPositionOnly: true).Select(1, 0);
                var amateur = Model.Forward(rows.NextInput(amateurCache.Length), null, amateurCache, AmateurAdapter, lastPositionOnly: true).Select(1, 0);
                var scores = Scores(expert, amateur, contrastive.Alpha, contrastive.AmateurTemperature);
                token = (int)sampler.Next(scores, null)[0];
                score = scores.Select(0, 0).Select(0, token).ItemDouble();
            }
            generated.Add(token);
            scoresOut.Add(score);
            rows.Append([token]);
            if (eos.Contains(token))
            {
                reason = FinishReason.EndOfSequence;
                break;
            }
            if (options.StopStrings.Count > 0 && Tokenizer != null
                && options.StopStrings.Any(s => s.Length > 0 && Tokenizer.Decode(generated).Contains(s, StringComparison.Ordinal)))
            {
                reason = FinishReason.StopString;
                break;
            }
        }
        return new GenerationResult(generated, Tokenizer?.Decode(generated), reason, scoresOut);
    }

    private GenerationResult Beam(IReadOnlyList<int> prompt, GenerationOptions options, ContrastiveOptions contrastive, HashSet<int> eos, CancellationToken ct)
    {
        var width = contrastive.BeamWidth;
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var rows = new PaddedBatch(Enumerable.Repeat(prompt, width).ToArray(), options.MaxNewTokens, Model.Config.PadTokenId ?? 0, Model.Device);
        var beams = Enumerable.Range(0, width).Select(_ => (Tokens: new List<int>(), Scores: new List<double>())).ToArray();
        var beamScore = new double[width];
        for (var i = 1; i < width; i++) beamScore[i] = double.NegativeInfinity; // all beams start identical: expand only the first
        var done = new List<(List<int> Tokens, List<double> Scores, double Score)>();
        var vocab = Model.Config.VocabSize;

        using var noGrad = new NoGrad();
        using var expertCache = Model.CreateCache(width, rows.Capacity);
        using var amateurCache = Model.CreateCache(width, rows.Capacity);
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            ct.ThrowIfCancellationRequested();
            float[] flat;
            using (var scope = DisposeScope.Begin())
            {
                var expert = Model.Forward(rows.NextInput(expertCache.Length), null, expertCache, ExpertAdapter, lastPositionOnly: true).Select(1, 0);
                var amateur = Model.Forward(rows.NextInput(amateurCache.Length), null, amateurCache, AmateurAdapter, lastPositionOnly: true).Select(1, 0);
                flat = Scores(expert, amateur, contrastive.Alpha, contrastive.AmateurTemperature).Contiguous().ToArray<float>();
            }
            // Candidates: every (beam, token) with a finite score, ranked by the beam's total so far plus this step.
            var candidates = new List<(int Beam, int Token, double Step, double Total)>();
            for (var b = 0; b < width; b++)
            {
                if (double.IsNegativeInfinity(beamScore[b])) continue;
                for (var v = 0; v < vocab; v++)
                {
                    var s = flat[b * vocab + v];
                    if (float.IsNegativeInfinity(s)) continue;
                    candidates.Add((b, v, s, beamScore[b] + s));
                }
            }
            candidates.Sort((x, y) => y.Total.CompareTo(x.Total));
            var next = new List<(int Beam, int Token, double Step, double Total)>();
            foreach (var c in candidates)
            {
                if (eos.Contains(c.Token))
                {
                    var tokens = new List<int>(beams[c.Beam].Tokens) { c.Token };
                    done.Add((tokens, new List<double>(beams[c.Beam].Scores) { c.Step }, c.Total / tokens.Count));
                    continue;
                }
                next.Add(c);
                if (next.Count == width) break;
            }
            var bestDone = done.Count > 0 ? done.Max(d => d.Score) : double.NegativeInfinity;
            if (next.Count == 0 || (done.Count >= width && bestDone >= next[0].Total / (beams[next[0].Beam].Tokens.Count + 1))) break;

            var source = new long[width];
            var tokensNext = new long[width];
            var newBeams = new (List<int>, List<double>)[width];
            for (var i = 0; i < width; i++)
            {
                var c = next[Math.Min(i, next.Count - 1)];
                source[i] = c.Beam;
                tokensNext[i] = c.Token;
                newBeams[i] = (new List<int>(beams[c.Beam].Tokens) { c.Token }, new List<double>(beams[c.Beam].Scores) { c.Step });
                beamScore[i] = i < next.Count ? c.Total : double.NegativeInfinity;
            }
            beams = newBeams;
            using (var index = Tensor.From<long>(source).To(Model.Device))
            {
                expertCache.Reorder(index);
                amateurCache.Reorder(index);
            }
            rows.Reorder(source);
            rows.Append(tokensNext);
        }

        for (var b = 0; b < width; b++)
            if (!double.IsNegativeInfinity(beamScore[b]) && beams[b].Tokens.Count > 0)
                done.Add((beams[b].Tokens, beams[b].Scores, beamScore[b] / beams[b].Tokens.Count));
        if (done.Count == 0) return new GenerationResult([], Tokenizer?.Decode([]), FinishReason.Length, []);
        var best = done.OrderByDescending(d => d.Score).First();
        var reason = eos.Contains(best.Tokens[^1]) ? FinishReason.EndOfSequence : FinishReason.Length;
        return new GenerationResult(best.Tokens, Tokenizer?.Decode(best.Tokens), reason, best.Scores);
    }
}
