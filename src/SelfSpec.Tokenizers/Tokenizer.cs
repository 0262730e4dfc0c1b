using SelfSpec.Tokenizers.AddedTokens;
using SelfSpec.Tokenizers.Decoding;
using SelfSpec.Tokenizers.Models;
using SelfSpec.Tokenizers.Normalization;
using SelfSpec.Tokenizers.PostProcessing;
using SelfSpec.Tokenizers.PreTokenization;
using SelfSpec.Tokenizers.Serialization;

namespace SelfSpec.Tokenizers;

/// <summary>
/// A Hugging Face tokenizer loaded from <c>tokenizer.json</c>: gives the same ids, tokens and decoded text as the
/// Hugging Face libraries. Thread-safe: one instance can encode from many threads at once.
/// </summary>
public sealed class Tokenizer
{
    private readonly BpeModel _model;
    private readonly Normalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly PostProcessor? _postProcessor;
    private readonly Decoder? _decoder;
    private readonly AddedVocabulary _added;
    private readonly MatchScanner? _plainScanner;
    private readonly bool _splitBeforeMetaspace;
    private readonly List<bool> _offsetTrims = [];

    private Tokenizer(TokenizerParts parts, TokenizerConfig config, string source)
    {
        _model = parts.Model;
        _normalizer = parts.Normalizer;
        _preTokenizer = parts.PreTokenizer;
        _postProcessor = parts.PostProcessor;
        _decoder = parts.Decoder;
        _added = new AddedVocabulary(parts.AddedTokens, parts.Normalizer);
        _plainScanner = _normalizer is null && !_added.HasNormalizedMatcher ? _preTokenizer?.PlainScanner : null;
        _splitBeforeMetaspace = _model.SplitsBeforeMetaspace && !_model.ByteLevel;
        CollectOffsetTrims(_postProcessor);
        Config = config;
        Source = source;
        Truncation = parts.Truncation;
        Padding = parts.Padding;
        VocabSize = Math.Max(_model.VocabSize, parts.AddedTokens.Count == 0 ? 0 : parts.AddedTokens.Max(t => t.Id) + 1);
        BosTokenId = IdOf(config.BosToken);
        EosTokenId = IdOf(config.EosToken);
        PadTokenId = IdOf(config.PadToken ?? parts.PadTokenFromPadding) ?? parts.Padding?.PadId;
        UnkTokenId = IdOf(config.UnkToken ?? _model.UnkToken);
    }

    /// <summary>Loads <c>tokenizer.json</c> from <paramref name="directory"/>, with <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> when present.</summary>
    /// <exception cref="TokenizerFormatException">A file is missing, malformed, or uses an unsupported component.</exception>
    public static Tokenizer FromDirectory(string directory)
    {
        var file = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(file)) throw new TokenizerFormatException("no tokenizer.json in this folder", file);
        return new Tokenizer(TokenizerJsonReader.Read(file), TokenizerConfig.FromDirectory(directory), file);
    }

    /// <summary>Loads a <c>tokenizer.json</c> file; special-token names come from <paramref name="config"/> if given.</summary>
    /// <exception cref="TokenizerFormatException">The file is missing, malformed, or uses an unsupported component.</exception>
    public static Tokenizer FromFile(string tokenizerJsonPath, TokenizerConfig? config = null) =>
        new(TokenizerJsonReader.Read(tokenizerJsonPath), config ?? new TokenizerConfig(), tokenizerJsonPath);

    /// <summary>The file this tokenizer was loaded from.</summary>
    public string Source { get; }

    /// <summary>Special-token names and chat template from <c>tokenizer_config.json</c>.</summary>
    public TokenizerConfig Config { get; }

    /// <summary>One more than the largest token id (model vocabulary and added tokens).</summary>
    public int VocabSize { get; }

    /// <summary>Id of the beginning-of-sequence token named in the config, if any.</summary>
    public int? BosTokenId { get; }

    /// <summary>Id of the end-of-sequence token named in the config, if any.</summary>
    public int? EosTokenId { get; }

    /// <summary>Id of the padding token (config, or the padding section of tokenizer.json), if any.</summary>
    public int? PadTokenId { get; }

    /// <summary>Id of the unknown token, if any.</summary>
    public int? UnkTokenId { get; }

    /// <summary>The Jinja chat template from the config, if any.</summary>
    public string? ChatTemplate => Config.ChatTemplate;

    /// <summary>The added tokens (special and normal).</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _added.Tokens;

    /// <summary>Truncation configured in tokenizer.json (used by <see cref="EncodeBatch"/> when none is passed).</summary>
    public TruncationOptions? Truncation { get; }

    /// <summary>Padding configured in tokenizer.json (used by <see cref="EncodeBatch"/> when none is passed).</summary>
    public PaddingOptions? Padding { get; }

    /// <summary>Encodes <paramref name="text"/> to token ids.</summary>
    /// <param name="text">The input.</param>
    /// <param name="addSpecialTokens">Apply the post-processor (for example, add BOS for Llama).</param>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (addSpecialTokens && _postProcessor is not null)
            return _postProcessor.Process(EncodeSequence(text, withOffsets: false), null).Ids.ToArray();
        var ids = new List<int>(text.Length / 4 + 4);
        EncodeSequence(text, ids, null);
        return ids.ToArray();
    }

    /// <summary>Encodes one text with tokens, offsets and masks.</summary>
    public EncodingResult EncodeDetailed(string text, bool addSpecialTokens = true) => EncodeDetailed(text, null, addSpecialTokens, null);

    /// <summary>Encodes a text, or a pair of texts, with tokens, offsets and masks, optionally truncated.</summary>
    /// <param name="text">The first sequence.</param>
    /// <param name="pair">An optional second sequence (post-processors such as TemplateProcessing join the two).</param>
    /// <param name="addSpecialTokens">Apply the post-processor.</param>
    /// <param name="truncation">Limit the length (special tokens included); for a pair, the longer sequence loses tokens first.</param>
    public EncodingResult EncodeDetailed(string text, string? pair, bool addSpecialTokens = true, TruncationOptions? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return BuildEncoding(text, pair, addSpecialTokens, truncation).Build(IdToTokenOrThrow);
    }

    /// <summary>
    /// Encodes many texts in parallel, then truncates and pads them. Results are in input order.
    /// </summary>
    /// <param name="texts">The inputs.</param>
    /// <param name="addSpecialTokens">Apply the post-processor.</param>
    /// <param name="truncation">Truncation; null uses the tokenizer.json setting, if any.</param>
    /// <param name="padding">Padding; null uses the tokenizer.json setting, if any (no padding otherwise).</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; -1 for all cores, 1 for the calling thread only.</param>
    /// <param name="cancellationToken">Stops the work early.</param>
    public EncodingResult[] EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = true, TruncationOptions? truncation = null,
        PaddingOptions? padding = null, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        truncation ??= Truncation;
        padding ??= Padding;
        var builders = new EncodingBuilder[texts.Count];
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken },
            i => builders[i] = BuildEncoding(texts[i] ?? throw new ArgumentException($"texts[{i}] is null", nameof(texts)), null, addSpecialTokens, truncation));
        if (padding is not null) Pad(builders, padding);
        return builders.Select(b => b.Build(IdToTokenOrThrow)).ToArray();
    }

    /// <summary>Encodes many texts to ids in parallel (no truncation or padding).</summary>
    public int[][] EncodeBatchToIds(IReadOnlyList<string> texts, bool addSpecialTokens = true, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new int[texts.Count][];
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            i => result[i] = Encode(texts[i], addSpecialTokens));
        return result;
    }

    /// <summary>Turns ids back into text through the tokenizer's decoder.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave out special added tokens (BOS, EOS, chat markers).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _added.IsSpecial(id))
            {
                _ = IdToTokenOrThrow(id);
                continue;
            }
            tokens.Add(IdToTokenOrThrow(id));
        }
        if (tokens.Count == 0) return "";
        return _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <summary>A decoder for streaming generation: feed ids one by one, get text as soon as it is complete.</summary>
    /// <param name="skipSpecialTokens">Leave out special tokens such as EOS.</param>
    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    /// <summary>The token string of an id (vocabulary key or added token content), or null if the id is unknown.</summary>
    public string? IdToToken(int id) => _added.ById(id)?.Content ?? _model.IdToToken(id);

    /// <summary>The id of a token string (added token content or vocabulary key), or null.</summary>
    public int? TokenToId(string token) =>
        _added.ByContent(token)?.Id ?? (_model.TryGetId(token, out var id) ? id : null);

    /// <summary>True if <paramref name="id"/> is a special added token.</summary>
    public bool IsSpecialToken(int id) => _added.IsSpecial(id);

    private int? IdOf(string? token) => token is null ? null : TokenToId(token);

    private string IdToTokenOrThrow(int id) =>
        IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary of {Source} (size {VocabSize})");

    private EncodingBuilder BuildEncoding(string text, string? pair, bool addSpecialTokens, TruncationOptions? truncation)
    {
        var a = EncodeSequence(text, withOffsets: true);
        var b = pair is null ? null : EncodeSequence(pair, withOffsets: true);
        foreach (var addPrefixSpace in _offsetTrims)
        {
            ByteLevelOffsetTrimmer.Trim(a, text, ModelTokenOnly, addPrefixSpace);
            if (b is not null) ByteLevelOffsetTrimmer.Trim(b, pair!, ModelTokenOnly, addPrefixSpace);
        }
        if (truncation is not null) Truncate(a, b, truncation, addSpecialTokens && _postProcessor is not null ? _postProcessor.AddedTokens(b is not null) : 0);
        if (addSpecialTokens && _postProcessor is not null) return _postProcessor.Process(a, b);
        return b is null ? a : new PassThroughPostProcessor().Process(a, b);
    }

    private string? ModelTokenOnly(int id) => _added.ById(id) is null ? _model.IdToToken(id) : null;

    private void CollectOffsetTrims(PostProcessor? p)
    {
        if (p is SequencePostProcessor sequence) foreach (var inner in sequence.Processors) CollectOffsetTrims(inner);
        else if (p?.TrimOffsetsAddPrefixSpace is { } addPrefixSpace) _offsetTrims.Add(addPrefixSpace);
    }

    private static void Truncate(EncodingBuilder a, EncodingBuilder? b, TruncationOptions options, int reserved)
    {
        var budget = Math.Max(0, options.MaxLength - reserved);
        void Cut(EncodingBuilder e, int keep)
        {
            if (e.Count <= keep) return;
            if (options.Side == Side.Right) e.RemoveRange(keep, e.Count - keep);
            else e.RemoveRange(0, e.Count - keep);
        }
        if (b is null) { Cut(a, budget); return; }
        // Longest-first: shorten whichever sequence is longer until both fit.
        var (la, lb) = (a.Count, b.Count);
        while (la + lb > budget)
        {
            if (la >= lb) la--; else lb--;
        }
        Cut(a, la);
        Cut(b, lb);
    }

    private void Pad(EncodingBuilder[] batch, PaddingOptions options)
    {
        if (batch.Length == 0) return;
        var padId = options.PadId ?? PadTokenId
            ?? throw new InvalidOperationException($"padding needs a pad token id, and {Source} names none: pass PaddingOptions.PadId");
        var length = options.Length ?? batch.Max(b => b.Count);
        if (options.PadToMultipleOf > 0 && length % options.PadToMultipleOf != 0)
            length += options.PadToMultipleOf - length % options.PadToMultipleOf;
        foreach (var e in batch)
            while (e.Count < length)
                if (options.Side == Side.Right) e.Add(padId, 0, 0, options.PadTypeId, special: true, attention: 0);
                else e.Insert(0, padId, options.PadTypeId, 0);
    }

    private EncodingBuilder EncodeSequence(string text, bool withOffsets)
    {
        var result = new EncodingBuilder(withOffsets, text.Length / 3 + 4);
        EncodeSequence(text, null, result);
        return result;
    }

    /// <summary>Encodes one sequence into <paramref name="ids"/> (ids only) or <paramref name="detailed"/> (with offsets).</summary>
    private void EncodeSequence(string text, List<int>? ids, EncodingBuilder? detailed)
    {
        text = ReplaceLoneSurrogates(text);
        var segments = new List<(int Start, int End, int TokenId)>();
        _added.SplitRaw(text, segments);
        List<Split>? splits = null, scratch = null;
        foreach (var (start, end, tokenId) in segments)
        {
            if (tokenId >= 0) { Emit(tokenId, start, end, ids, detailed); continue; }
            if (end == start) continue;
            if (_plainScanner is not null)
            {
                // No normalizer and a pattern-only pre-tokenizer: scan the input itself.
                var span = text.AsSpan(start, end - start);
                var identity = detailed is null ? null : new NormalizedString(text, start, end - start);
                for (var i = 0; i < span.Length;)
                {
                    var length = _plainScanner(span, i);
                    EmitWord(span.Slice(i, length), identity, i, ids, detailed);
                    i += length;
                }
                continue;
            }
            var normalized = new NormalizedString(text, start, end - start);
            if (_normalizer is not null) normalized = _normalizer.Normalize(normalized);
            splits ??= new List<Split>();
            scratch ??= new List<Split>();
            splits.Clear();
            _added.SplitNormalized(normalized, splits);
            _preTokenizer?.PreTokenize(splits, scratch);
            foreach (var split in splits)
            {
                if (split.IsToken)
                {
                    var (os, oe) = split.Source.Original(split.Start, split.End);
                    Emit(split.TokenId, os, oe, ids, detailed);
                }
                else EmitWord(split.Span, split.Source, split.Start, ids, detailed);
            }
        }
    }

    /// <summary>
    /// A lone surrogate has no UTF-8 form; like the Hugging Face libraries (whose strings cannot hold one), we see it as
    /// U+FFFD. The length is unchanged, so offsets still index the caller's string.
    /// </summary>
    private static string ReplaceLoneSurrogates(string text)
    {
        var first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0) return text;
        char[]? copy = null;
        for (var i = first; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsSurrogatePair(text, i)) { i++; continue; }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }

    private static void Emit(int id, int start, int end, List<int>? ids, EncodingBuilder? detailed)
    {
        if (detailed is not null) detailed.Add(id, start, end);
        else ids!.Add(id);
    }

    /// <summary>Runs the model on one word; <paramref name="wordStart"/> is its position in <paramref name="source"/>.</summary>
    private void EmitWord(ReadOnlySpan<char> word, NormalizedString? source, int wordStart, List<int>? ids, EncodingBuilder? detailed)
    {
        if (_splitBeforeMetaspace)
        {
            var from = 0;
            for (var i = word[1..].IndexOf('\u2581') + 1; i > 0; )
            {
                if (word[i - 1] != '\u2581')
                {
                    EmitModelWord(word[from..i], source, wordStart + from, ids, detailed);
                    from = i;
                }
                var next = word[(i + 1)..].IndexOf('\u2581');
                i = next < 0 ? 0 : i + 1 + next;
            }
            word = word[from..];
            wordStart += from;
        }
        EmitModelWord(word, source, wordStart, ids, detailed);
    }

    private void EmitModelWord(ReadOnlySpan<char> word, NormalizedString? source, int wordStart, List<int>? ids, EncodingBuilder? detailed)
    {
        var tokens = _model.Tokenize(word);
        if (detailed is null)
        {
            ids!.AddRange(tokens.Ids);
            return;
        }
        for (var k = 0; k < tokens.Ids.Length; k++)
        {
            var (os, oe) = source!.Original(wordStart + tokens.Starts[k], wordStart + tokens.Ends[k]);
            detailed.Add(tokens.Ids[k], os, oe);
        }
    }
}
