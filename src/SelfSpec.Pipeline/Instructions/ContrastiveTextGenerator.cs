using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// <see cref="ITextGenerator"/> for iteration 2 (paper eq. 3): contrastive decoding with expert = base + adapter and
/// amateur = base, sampling from the contrastive scores (temperature and top-p applied to them). Prompts are decoded
/// <see cref="BatchSize"/> at a time (each a one-document query of <see cref="ContrastiveRagTokenDecoder"/>, which is
/// plain contrastive decoding); batch <c>i</c> samples with seed <c>settings.Seed + i</c>. The text is cut before the
/// first stop sequence.
/// </summary>
public sealed class ContrastiveTextGenerator : ITextGenerator
{
    private readonly ContrastiveRagTokenDecoder _decoder;
    private readonly ITokenizer _tokenizer;
    private readonly ContrastiveOptions _contrastive;

    /// <summary>Creates the generator; <paramref name="alpha"/> is the plausibility threshold, <paramref name="amateurTemperature"/> τ.</summary>
    public ContrastiveTextGenerator(LlamaModel model, ITokenizer tokenizer, LoraAdapter expertAdapter, double alpha = 0.1, double amateurTemperature = 1.0,
        int batchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(expertAdapter);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _decoder = new ContrastiveRagTokenDecoder(model, expertAdapter, amateurAdapter: null, tokenizer);
        _contrastive = new ContrastiveOptions { Alpha = alpha, AmateurTemperature = amateurTemperature, Search = ContrastiveSearch.Sample };
        BatchSize = batchSize;
    }

    /// <summary>Prompts decoded together.</summary>
    public int BatchSize { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken)
    {
        var results = new List<TextCompletion>(prompts.Count);
        for (var start = 0; start < prompts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var queries = prompts.Skip(start).Take(BatchSize)
                .Select(p => new RagTokenQuery([], [new RetrievedDocument(_tokenizer.Encode(p), 0)])).ToList();
            var options = new GenerationOptions
            {
                MaxNewTokens = settings.MaxNewTokens,
                Sampling = SamplingOptions.Sample(settings.Temperature, settings.TopP, seed: (ulong)(settings.Seed + start / BatchSize)),
                StopStrings = settings.StopSequences,
            };
            foreach (var r in _decoder.Generate(queries, options, _contrastive, cancellationToken: cancellationToken))
            {
                var (cut, stopped) = StopSequences.Cut(r.Text ?? _tokenizer.Decode(r.TokenIds), settings.StopSequences);
                results.Add(new TextCompletion(cut, !stopped && r.FinishReason == FinishReason.Length));
            }
        }
        return Task.FromResult<IReadOnlyList<TextCompletion>>(results);
    }
}

/// <summary>Cuts generated text before the earliest stop sequence.</summary>
public static class StopSequences
{
    /// <summary>The text before the earliest occurrence of any non-empty stop sequence, and whether one occurred.</summary>
    public static (string Text, bool Stopped) Cut(string text, IReadOnlyList<string> stops)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cut = -1;
        foreach (var s in stops)
        {
            if (string.IsNullOrEmpty(s)) continue;
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        return cut < 0 ? (text, false) : (text[..cut], true);
    }
}
