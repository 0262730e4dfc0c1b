using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// Autoregressive generation with a <see cref="LlamaModel"/>: batched prompts are left-padded and masked, the KV cache
/// is preallocated for prompt + <see cref="GenerationOptions.MaxNewTokens"/>, and each row stops on an end-of-sequence
/// token, a stop string or the length limit. Token ids in, token ids out; a <see cref="ITokenizer"/> is only needed for
/// text prompts and stop strings.
/// </summary>
public sealed class TextGenerator
{
    /// <summary>Creates a generator over <paramref name="model"/>.</summary>
    public TextGenerator(LlamaModel model, ITokenizer? tokenizer = null)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>The pad id used for left padding (never attended to).</summary>
    public int PadTokenId => Model.Config.PadTokenId ?? 0;

    /// <summary>Generates a continuation of one text prompt.</summary>
    public GenerationResult Generate(string prompt, GenerationOptions options, LoraAdapter? adapter = null, CancellationToken cancellationToken = default)
    {
        var tokenizer = Tokenizer ?? throw new InvalidOperationException("a text prompt needs a tokenizer; pass token ids instead");
        return Generate([tokenizer.Encode(prompt)], options, adapter, null, cancellationToken)[0];
    }

    /// <summary>Generates continuations of several prompts (token ids) as one batch.</summary>
    /// <param name="prompts">One token-id list per row (each non-empty).</param>
    /// <param name="options">Limits, sampling and stopping rules.</param>
    /// <param name="adapter">A LoRA adapter applied unmerged to every row, or null for the base model.</param>
    /// <param name="progress">Receives the number of tokens generated so far (per row) after each step.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options, LoraAdapter? adapter = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNewTokens, 0);
        var vocab = Model.Config.VocabSize;
        foreach (var p in prompts)
            foreach (var id in p)
                if ((uint)id >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(prompts), id, $"token id outside the vocabulary (0..{vocab - 1})");

        var eos = options.EndOfSequenceIds(Model.Config, Tokenizer);
        if (options.StopStrings.Count > 0 && Tokenizer == null) throw new InvalidOperationException("stop strings need a tokenizer");

        var batch = prompts.Count;
        var useCache = options.UseKvCache && options.MaxNewTokens > 0;
        var shared = useCache && options.ShareCommonPrefix ? SharedPrefixLength(prompts) : 0;
        var rows = new PaddedBatch(prompts, options.MaxNewTokens, PadTokenId, Model.Device, shared);
        var generated = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var history = prompts.Select(p => new List<int>(p)).ToArray();
        var finished = new FinishReason?[batch];
        var texts = new string?[batch];

        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(options.Sampling);
        using var rowSamplers = RowSamplers.Create(options, batch);
        using var cache = useCache ? Model.CreateCache(batch, rows.Capacity) : null;
        if (shared > 0)
        {
            // The common prefix once, as one row; every row of the batch starts from a copy of its keys and values.
            using var prefixCache = Model.CreateCache(1, shared);
            using (var scope = DisposeScope.Begin()) Model.Forward(rows.Prefix(), null, prefixCache, adapter, lastPositionOnly: true);
            cache!.FillSharedPrefix(prefixCache);
        }

        // rowOf[i]: the prompt that row i of the (possibly shrunken) batch, cache and padded matrix belongs to.
        var rowOf = Enumerable.Range(0, batch).ToArray();
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long[] next;
            using (var scope = DisposeScope.Begin())
            {
                var logits = Model.Forward(rows.NextInput(cache?.Length ?? 0), rows.Mask(), cache, adapter, lastPositionOnly: true).Select(1, 0);
                next = rowSamplers != null
                    ? rowSamplers.Next(logits, rowOf, finished.Select(f => f != null).ToArray(), history, PadTokenId)
                    : sampler.Next(BatchRows.Widen(logits, rowOf, batch), history);
            }
            for (var b = 0; b < batch; b++)
            {
                // Finished rows still in the batch keep decoding pad tokens so it stays rectangular; their output is frozen.
                if (finished[b] != null)
                {
                    next[b] = PadTokenId;
                    continue;
                }
                var token = (int)next[b];
                generated[b].Add(token);
                history[b].Add(token);
                if (eos.Contains(token)) finished[b] = FinishReason.EndOfSequence;
                else if (options.StopStrings.Count > 0 && StopAt(Tokenizer!.Decode(generated[b]), options.StopStrings) is { } cut)
                {
                    finished[b] = FinishReason.StopString;
                    texts[b] = cut;
                }
            }
            rows.Append(rowOf.Select(b => next[b]).ToArray());
            progress?.Report(step + 1);
            if (finished.All(f => f != null)) break;
            if (cache != null && options.DropFinishedRows && rowOf.Any(b => finished[b] != null))
            {
                var keep = Enumerable.Range(0, rowOf.Length).Where(i => finished[rowOf[i]] == null).ToArray();
                rows.KeepRows(keep);
                using (var index = BatchRows.Index(keep, Model.Device)) cache.KeepRows(index);
                rowOf = keep.Select(i => rowOf[i]).ToArray();
            }
        }

        var results = new GenerationResult[batch];
        for (var b = 0; b < batch; b++)
        {
            var text = texts[b] ?? Tokenizer?.Decode(generated[b]);
            results[b] = new GenerationResult(generated[b], text, finished[b] ?? FinishReason.Length);
        }
        return results;
    }

    /// <summary>
    /// The length of the prefix all prompts share, when it is worth computing once (at least
    /// <see cref="MinSharedPrefix"/> tokens and more than one prompt); each prompt keeps at least one token of its own,
    /// whose logits start the generation. 0 otherwise.
    /// </summary>
    internal static int SharedPrefixLength(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        if (prompts.Count < 2) return 0;
        var limit = prompts.Min(p => p.Count) - 1;
        var first = prompts[0];
        var n = 0;
        while (n < limit && prompts.All(p => p[n] == first[n])) n++;
        return n >= MinSharedPrefix ? n : 0;
    }

    /// <summary>The shortest common prefix <see cref="Generate(IReadOnlyList{IReadOnlyList{int}}, GenerationOptions, LoraAdapter?, IProgress{int}?, CancellationToken)"/> computes once for the batch.</summary>
    public const int MinSharedPrefix = 16;

    private static string? StopAt(string text, IReadOnlyList<string> stops)
    {
        var cut = -1;
        foreach (var s in stops)
        {
            if (s.Length == 0) continue;
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        return cut < 0 ? null : text[..cut];
    }
}
