using System.Collections.Concurrent;
using System.Globalization;

namespace SelfSpec.Tokenizers.Models;

/// <summary>The tokens of one word: ids, and for each the [start, end) char range inside the word.</summary>
internal sealed class WordTokens(int[] ids, int[] starts, int[] ends)
{
    public readonly int[] Ids = ids;
    public readonly int[] Starts = starts;
    public readonly int[] Ends = ends;
}

/// <summary>
/// The BPE <c>model</c> of tokenizer.json: initial symbols (chars, or bytes for byte-level vocabularies),
/// then merges applied lowest rank first, with a cache of results per word.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 100_000; // about 15 MB of cached words at most

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly string?[] _idToToken;
    private readonly (string Left, string Right)[] _mergeList;
    private readonly int[] _byteFallbackIds = new int[256];
    private readonly int[] _byteCharIds = new int[256];
    private readonly ConcurrentDictionary<string, WordTokens> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WordTokens>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, string? unkToken,
        string? continuingSubwordPrefix, string? endOfWordSuffix, bool fuseUnk, bool byteFallback, bool ignoreMerges,
        string? file = null)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        ContinuingSubwordPrefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        EndOfWordSuffix = string.IsNullOrEmpty(endOfWordSuffix) ? null : endOfWordSuffix;
        FuseUnk = fuseUnk;
        ByteFallback = byteFallback;
        IgnoreMerges = ignoreMerges;
        UnkToken = unkToken;

        var maxId = vocab.Count == 0 ? -1 : vocab.Values.Max();
        _idToToken = new string?[maxId + 1];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw new TokenizerFormatException($"negative id {id} for token \"{token}\"", file, "model.vocab");
            _idToToken[id] = token;
        }
        if (unkToken is not null)
        {
            if (!vocab.TryGetValue(unkToken, out var unk))
                throw new TokenizerFormatException($"unk_token \"{unkToken}\" is not in the vocabulary", file, "model.unk_token");
            UnkId = unk;
        }
        else UnkId = -1;

        var prefixLength = ContinuingSubwordPrefix?.Length ?? 0;
        _mergeList = merges.ToArray();
        var buffer = new char[256];
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            if (!vocab.TryGetValue(a, out var ia) || !vocab.TryGetValue(b, out var ib))
                throw new TokenizerFormatException($"merge {rank} (\"{a}\" \"{b}\") uses a token that is not in the vocabulary", file, "model.merges");
            var right = ContinuingSubwordPrefix is not null && b.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal)
                ? b.AsSpan(prefixLength) : b.AsSpan();
            // Look the merged token up without allocating it (Llama-3 has 280,000 merges).
            var length = a.Length + right.Length;
            if (buffer.Length < length) buffer = new char[length * 2];
            var merged = buffer.AsSpan(0, length);
            a.AsSpan().CopyTo(merged);
            right.CopyTo(merged[a.Length..]);
            if (!_vocabBySpan.TryGetValue(merged, out var id))
                throw new TokenizerFormatException($"merge {rank} produces \"{merged.ToString()}\", which is not in the vocabulary", file, "model.merges");
            _merges.TryAdd(Key(ia, ib), (rank, id));
        }

        SplitsBeforeMetaspace = !IgnoreMerges && vocab.ContainsKey(Metaspace.ToString())
            && !_mergeList.Any(m => m.Right.StartsWith(Metaspace) && !m.Left.EndsWith(Metaspace));

        for (var b = 0; b < 256; b++)
        {
            _byteFallbackIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var fb) ? fb : -1;
            _byteCharIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar((byte)b).ToString(), out var bc) ? bc : -1;
        }
    }

    private const char Metaspace = '\u2581';

    /// <summary>
    /// True when no merge joins a token that does not end in ▁ with one that starts with ▁ (as in SentencePiece
    /// vocabularies). Then a word can be cut before every ▁ that follows another char without changing the result,
    /// which lets the word cache work for tokenizers that have no pre-tokenizer.
    /// </summary>
    public bool SplitsBeforeMetaspace { get; }

    public string? UnkToken { get; }
    public int UnkId { get; }
    public string? ContinuingSubwordPrefix { get; }
    public string? EndOfWordSuffix { get; }
    public bool FuseUnk { get; }
    public bool ByteFallback { get; }
    public bool IgnoreMerges { get; }

    /// <summary>Words are mapped to byte-level symbols before BPE (set when the pre-tokenizer is ByteLevel).</summary>
    public bool ByteLevel { get; set; }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>One more than the largest id in the vocabulary.</summary>
    public int VocabSize => _idToToken.Length;

    /// <summary>The merges in rank order (for saving).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _mergeList;

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _vocabBySpan.TryGetValue(token, out id);

    /// <summary>Tokenizes one pre-tokenized word.</summary>
    public WordTokens Tokenize(ReadOnlySpan<char> word)
    {
        if (_cacheBySpan.TryGetValue(word, out var cached)) return cached;
        var result = Compute(word);
        if (word.Length <= MaxCachedWordLength && _cache.Count < MaxCacheEntries) _cacheBySpan.TryAdd(word, result);
        return result;
    }

    private WordTokens Compute(ReadOnlySpan<char> word)
    {
        // In byte-level mode the model sees one alphabet char per UTF-8 byte; unitToChar maps each back to the word.
        string model;
        int[]? unitStart = null, unitEnd = null;
        if (ByteLevel)
        {
            model = ByteLevelAlphabet.Encode(word);
            unitStart = new int[model.Length];
            unitEnd = new int[model.Length];
            var u = 0;
            for (var i = 0; i < word.Length;)
            {
                var w = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
                var bytes = System.Text.Encoding.UTF8.GetByteCount(word.Slice(i, w));
                for (var k = 0; k < bytes; k++) { unitStart[u] = i; unitEnd[u] = i + w; u++; }
                i += w;
            }
        }
        else model = word.ToString();

        var symbols = IgnoreMerges && _vocab.TryGetValue(model, out var whole)
            ? new SymbolList([whole], [0], [model.Length])
            : Merge(InitialSymbols(model));

        var n = symbols.Count;
        var ids = new int[n];
        var starts = new int[n];
        var ends = new int[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = symbols.Ids[i];
            starts[i] = unitStart is null ? symbols.Starts[i] : unitStart[symbols.Starts[i]];
            ends[i] = unitEnd is null ? symbols.Ends[i] : unitEnd[symbols.Ends[i] - 1];
        }
        return new WordTokens(ids, starts, ends);
    }

    private sealed class SymbolList(List<int> ids, List<int> starts, List<int> ends)
    {
        public readonly List<int> Ids = ids, Starts = starts, Ends = ends;
        public int Count => Ids.Count;
    }

    private SymbolList InitialSymbols(string model)
    {
        var ids = new List<int>(model.Length);
        var starts = new List<int>(model.Length);
        var ends = new List<int>(model.Length);
        var lastWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < model.Length;)
        {
            var w = char.IsHighSurrogate(model[i]) && i + 1 < model.Length && char.IsLowSurrogate(model[i + 1]) ? 2 : 1;
            var isLast = i + w == model.Length;
            int id;
            bool found;
            if (ByteLevel && ContinuingSubwordPrefix is null && EndOfWordSuffix is null)
            {
                var b = ByteLevelAlphabet.CharToByte(model[i]);
                id = b >= 0 ? _byteCharIds[b] : -1;
                found = id >= 0;
            }
            else if ((i == 0 || ContinuingSubwordPrefix is null) && (!isLast || EndOfWordSuffix is null))
                found = _vocabBySpan.TryGetValue(model.AsSpan(i, w), out id);
            else
            {
                var key = (i > 0 ? ContinuingSubwordPrefix : null) + model.Substring(i, w) + (isLast ? EndOfWordSuffix : null);
                found = _vocab.TryGetValue(key, out id);
            }

            if (found)
            {
                ids.Add(id); starts.Add(i); ends.Add(i + w);
                lastWasUnk = false;
            }
            else if (ByteFallback && TryByteFallback(model.AsSpan(i, w), utf8, out var count))
            {
                for (var k = 0; k < count; k++) { ids.Add(_byteFallbackIds[utf8[k]]); starts.Add(i); ends.Add(i + w); }
                lastWasUnk = false;
            }
            else if (UnkId >= 0)
            {
                if (FuseUnk && lastWasUnk) ends[^1] = i + w;
                else { ids.Add(UnkId); starts.Add(i); ends.Add(i + w); }
                lastWasUnk = true;
            }
            i += w;
        }
        return new SymbolList(ids, starts, ends);
    }

    private bool TryByteFallback(ReadOnlySpan<char> cp, Span<byte> utf8, out int count)
    {
        count = System.Text.Encoding.UTF8.GetBytes(cp, utf8);
        for (var k = 0; k < count; k++) if (_byteFallbackIds[utf8[k]] < 0) return false;
        return true;
    }

    /// <summary>Applies merges, lowest rank first and leftmost among equals, as the Hugging Face implementation does.</summary>
    private SymbolList Merge(SymbolList s)
    {
        var n = s.Count;
        if (n < 2) return s;
        var ids = s.Ids;
        var next = new int[n];
        var prev = new int[n];
        var ends = s.Ends.ToArray();
        var alive = new bool[n];
        for (var i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; alive[i] = true; }
        var queue = new PriorityQueue<int, (int Rank, int Pos)>(n);
        for (var i = 0; i + 1 < n; i++)
            if (_merges.TryGetValue(Key(ids[i], ids[i + 1]), out var m)) queue.Enqueue(i, (m.Rank, i));

        while (queue.TryDequeue(out var i, out var priority))
        {
            if (!alive[i]) continue;
            var j = next[i];
            if (j < 0) continue;
            if (!_merges.TryGetValue(Key(ids[i], ids[j]), out var m) || m.Rank != priority.Rank) continue;
            ids[i] = m.NewId;
            ends[i] = ends[j];
            alive[j] = false;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            if (prev[i] >= 0 && _merges.TryGetValue(Key(ids[prev[i]], ids[i]), out var left)) queue.Enqueue(prev[i], (left.Rank, prev[i]));
            if (next[i] >= 0 && _merges.TryGetValue(Key(ids[i], ids[next[i]]), out var right)) queue.Enqueue(i, (right.Rank, i));
        }

        var result = new SymbolList(new List<int>(n), new List<int>(n), new List<int>(n));
        for (var i = 0; i >= 0; i = next[i])
        {
            result.Ids.Add(ids[i]);
            result.Starts.Add(s.Starts[i]);
            result.Ends.Add(ends[i]);
        }
        return result;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;
}
