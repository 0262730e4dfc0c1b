using System.Collections.Concurrent;
using SelfSpec.Tokenizers.Models;
using SelfSpec.Tokenizers.PreTokenization;

namespace SelfSpec.Tokenizers.Training;

/// <summary>
/// Learns a byte-level BPE vocabulary (GPT-2 style: GPT-2 split pattern, 256 byte symbols, so any text can be
/// encoded and decoded exactly) and writes it as a Hugging Face <c>tokenizer.json</c> + <c>tokenizer_config.json</c>.
/// </summary>
/// <example>
/// <code>
/// var tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = 4096, SpecialTokens = ["&lt;|endoftext|&gt;"],
///     BosToken = "&lt;|endoftext|&gt;", EosToken = "&lt;|endoftext|&gt;" }, "out/tokenizer");
/// </code>
/// </example>
public static class BpeTrainer
{
    /// <summary>Trains on <paramref name="corpus"/>, saves to <paramref name="outputDirectory"/>, and loads the result.</summary>
    /// <param name="corpus">Training texts.</param>
    /// <param name="options">Vocabulary size, special tokens and their roles.</param>
    /// <param name="outputDirectory">Created if needed; receives <c>tokenizer.json</c> and <c>tokenizer_config.json</c>.</param>
    /// <param name="progress">Optional progress reports.</param>
    /// <param name="cancellationToken">Stops training; nothing is written then.</param>
    public static Tokenizer Train(IEnumerable<string> corpus, BpeTrainerOptions options, string outputDirectory,
        IProgress<BpeTrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = TrainModel(corpus, options, progress, cancellationToken);
        TrainedTokenizerWriter.Write(model, options, outputDirectory);
        return Tokenizer.FromDirectory(outputDirectory);
    }

    /// <summary>Trains with just a vocabulary size and special tokens (the first special token is also BOS, EOS and pad).</summary>
    public static Tokenizer Train(IEnumerable<string> corpus, int vocabSize, IReadOnlyList<string> specialTokens, string outputDirectory) =>
        Train(corpus, new BpeTrainerOptions
        {
            VocabSize = vocabSize,
            SpecialTokens = specialTokens,
            BosToken = specialTokens.FirstOrDefault(),
            EosToken = specialTokens.FirstOrDefault(),
            PadToken = specialTokens.FirstOrDefault(),
        }, outputDirectory);

    internal sealed record TrainedModel(IReadOnlyList<string> Vocab, IReadOnlyList<(string Left, string Right)> Merges);

    internal static TrainedModel TrainModel(IEnumerable<string> corpus, BpeTrainerOptions options,
        IProgress<BpeTrainingProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(options);
        var texts = corpus as IReadOnlyList<string> ?? corpus.ToList();
        var wordCounts = CountWords(texts, options, progress, cancellationToken);

        // Vocabulary: special tokens, then the 256 byte symbols in byte order, then one token per merge.
        var vocab = new List<string>(options.SpecialTokens);
        var symbolOfByte = new int[256];
        for (var b = 0; b < 256; b++) { symbolOfByte[b] = vocab.Count; vocab.Add(ByteLevelAlphabet.ByteToChar((byte)b).ToString()); }

        var words = new List<int[]>(wordCounts.Count);
        var counts = new List<long>(wordCounts.Count);
        foreach (var (word, count) in wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            words.Add(word.Select(c => symbolOfByte[ByteLevelAlphabet.CharToByte(c)]).ToArray());
            counts.Add(count);
        }

        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            var s = words[w];
            for (var i = 0; i + 1 < s.Length; i++)
            {
                var key = Key(s[i], s[i + 1]);
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + counts[w];
                if (!where.TryGetValue(key, out var set)) where[key] = set = [];
                set.Add(w);
            }
        }

        // Most frequent pair first; ties go to the smaller pair key so training is deterministic.
        var queue = new PriorityQueue<long, (long NegCount, long Key)>();
        foreach (var (key, c) in pairCounts) queue.Enqueue(key, (-c, key));

        var merges = new List<(string, string)>();
        var modelSize = options.VocabSize - options.AddedTokens.Count;
        var target = modelSize - vocab.Count;
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocab.Count; i++) idOf.TryAdd(vocab[i], i);
        var changed = new HashSet<long>();
        while (vocab.Count < modelSize && queue.TryDequeue(out var best, out var priority))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = pairCounts.GetValueOrDefault(best);
            if (current != -priority.NegCount)
            {
                if (current > 0) queue.Enqueue(best, (-current, best));
                continue;
            }
            if (current < options.MinFrequency) break;

            var (a, b) = ((int)(best >> 32), (int)(best & 0xFFFFFFFF));
            // Two different pairs can spell the same token ("ab"+"c", "a"+"bc"): both merges then produce one id.
            var token = vocab[a] + vocab[b];
            if (!idOf.TryGetValue(token, out var newId))
            {
                newId = vocab.Count;
                vocab.Add(token);
                idOf[token] = newId;
            }
            merges.Add((vocab[a], vocab[b]));
            changed.Clear();
            foreach (var w in where[best])
            {
                var s = words[w];
                var merged = MergeWord(s, a, b, newId);
                if (merged.Length == s.Length) continue; // the pair left this word in an earlier merge
                // Replace the word's pair counts; only pairs with the new token can grow, so only they are re-queued.
                var c = counts[w];
                for (var i = 0; i + 1 < s.Length; i++) pairCounts[Key(s[i], s[i + 1])] -= c;
                for (var i = 0; i + 1 < merged.Length; i++)
                {
                    var key = Key(merged[i], merged[i + 1]);
                    pairCounts[key] = pairCounts.GetValueOrDefault(key) + c;
                    if (merged[i] != newId && merged[i + 1] != newId) continue;
                    if (!where.TryGetValue(key, out var set)) where[key] = set = [];
                    set.Add(w);
                    changed.Add(key);
                }
                words[w] = merged;
            }
            where.Remove(best);
            foreach (var key in changed)
                if (pairCounts.GetValueOrDefault(key) > 0) queue.Enqueue(key, (-pairCounts[key], key));
            if (merges.Count % 100 == 0) progress?.Report(new BpeTrainingProgress("merge", vocab.Count - (modelSize - target), target));
        }
        progress?.Report(new BpeTrainingProgress("merge", target, target));
        return new TrainedModel(vocab, merges);
    }

    private static int[] MergeWord(int[] s, int a, int b, int newId)
    {
        var result = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (i + 1 < s.Length && s[i] == a && s[i + 1] == b) { result.Add(newId); i++; }
            else result.Add(s[i]);
        }
        return result.Count == s.Length ? s : result.ToArray();
    }

    private static Dictionary<string, long> CountWords(IReadOnlyList<string> texts, BpeTrainerOptions options,
        IProgress<BpeTrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var total = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var specials = options.SpecialTokens.Concat(options.AddedTokens).Where(s => s.Length > 0).ToArray();
        long done = 0;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, texts.Count, Math.Max(1, texts.Count / 64)),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            range =>
            {
                var local = new Dictionary<string, long>(StringComparer.Ordinal);
                for (var t = range.Item1; t < range.Item2; t++)
                {
                    foreach (var piece in SplitOnSpecials(texts[t] ?? "", specials))
                    {
                        var span = piece.AsSpan();
                        for (var i = 0; i < span.Length;)
                        {
                            var len = SplitScanners.Gpt2Match(span, i);
                            var word = ByteLevelAlphabet.Encode(span.Slice(i, len));
                            local[word] = local.GetValueOrDefault(word) + 1;
                            i += len;
                        }
                    }
                }
                foreach (var (w, c) in local) total.AddOrUpdate(w, c, (_, old) => old + c);
                var d = Interlocked.Add(ref done, range.Item2 - range.Item1);
                progress?.Report(new BpeTrainingProgress("count", d, texts.Count));
            });
        return new Dictionary<string, long>(total, StringComparer.Ordinal);
    }

    private static IEnumerable<string> SplitOnSpecials(string text, string[] specials)
    {
        if (specials.Length == 0) { yield return text; yield break; }
        var pos = 0;
        while (pos < text.Length)
        {
            var next = -1;
            var length = 0;
            foreach (var s in specials)
            {
                var i = text.IndexOf(s, pos, StringComparison.Ordinal);
                if (i >= 0 && (next < 0 || i < next || (i == next && s.Length > length))) { next = i; length = s.Length; }
            }
            if (next < 0) { yield return text[pos..]; yield break; }
            if (next > pos) yield return text[pos..next];
            pos = next + length;
        }
    }

    private static void Validate(BpeTrainerOptions options)
    {
        var minimum = options.SpecialTokens.Count + 256 + options.AddedTokens.Count;
        if (options.VocabSize < minimum)
            throw new ArgumentException($"VocabSize {options.VocabSize} is too small: the special tokens, the 256 byte symbols and the added tokens already take {minimum}", nameof(options));
        if (options.AddedTokens.Any(string.IsNullOrEmpty))
            throw new ArgumentException("AddedTokens contains an empty token", nameof(options));
        if (options.AddedTokens.Concat(options.SpecialTokens).Distinct(StringComparer.Ordinal).Count() != options.AddedTokens.Count + options.SpecialTokens.Count)
            throw new ArgumentException("AddedTokens contains duplicates or a token that is also in SpecialTokens", nameof(options));
        if (options.SpecialTokens.Distinct(StringComparer.Ordinal).Count() != options.SpecialTokens.Count)
            throw new ArgumentException("SpecialTokens contains duplicates", nameof(options));
        if (options.SpecialTokens.Any(string.IsNullOrEmpty))
            throw new ArgumentException("SpecialTokens contains an empty token", nameof(options));
        foreach (var (name, token) in new[] { ("BosToken", options.BosToken), ("EosToken", options.EosToken), ("PadToken", options.PadToken) })
            if (token is not null && !options.SpecialTokens.Contains(token))
                throw new ArgumentException($"{name} \"{token}\" is not one of SpecialTokens", nameof(options));
        if (options.AddBosToken && options.BosToken is null)
            throw new ArgumentException("AddBosToken needs a BosToken", nameof(options));
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;
}
