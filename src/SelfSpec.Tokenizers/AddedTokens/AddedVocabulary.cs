using System.Buffers;
using SelfSpec.Tokenizers.Normalization;
using SelfSpec.Tokenizers.PreTokenization;

namespace SelfSpec.Tokenizers.AddedTokens;

/// <summary>
/// The added tokens of a tokenizer and how they are found in text: leftmost-longest match, with the
/// <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c> rules. Tokens with <c>normalized: false</c> are matched in
/// the raw input, the others in the normalized text.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<int, AddedToken> _byId = new();
    private readonly Dictionary<string, AddedToken> _byContent = new(StringComparer.Ordinal);
    private readonly Matcher? _raw;
    private readonly Matcher? _normalized;

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens, Normalizer? normalizer)
    {
        Tokens = tokens;
        foreach (var t in tokens)
        {
            _byId[t.Id] = t;
            _byContent.TryAdd(t.Content, t);
        }
        var raw = tokens.Where(t => !t.Normalized || normalizer is null).Select(t => (t.Content, t)).ToList();
        var norm = normalizer is null ? [] : tokens.Where(t => t.Normalized).Select(t => (normalizer.Normalize(t.Content), t)).ToList();
        _raw = raw.Count > 0 ? new Matcher(raw) : null;
        _normalized = norm.Count > 0 ? new Matcher(norm) : null;
    }

    public IReadOnlyList<AddedToken> Tokens { get; }

    public bool IsEmpty => Tokens.Count == 0;

    /// <summary>True when some added tokens must be matched in normalized text.</summary>
    public bool HasNormalizedMatcher => _normalized is not null;

    public AddedToken? ById(int id) => _byId.GetValueOrDefault(id);

    public AddedToken? ByContent(string content) => _byContent.GetValueOrDefault(content);

    public bool IsSpecial(int id) => _byId.TryGetValue(id, out var t) && t.Special;

    /// <summary>Cuts <paramref name="text"/> at the added tokens matched in raw text; appends (start, end, tokenId or -1).</summary>
    public void SplitRaw(string text, List<(int Start, int End, int TokenId)> output)
    {
        if (_raw is null) { output.Add((0, text.Length, -1)); return; }
        _raw.Split(text.AsSpan(), 0, output);
    }

    /// <summary>Cuts a normalized piece at the added tokens matched in normalized text.</summary>
    public void SplitNormalized(NormalizedString text, List<Split> output)
    {
        if (_normalized is null)
        {
            if (text.Length > 0) output.Add(new Split(text, 0, text.Length));
            return;
        }
        var parts = new List<(int Start, int End, int TokenId)>();
        _normalized.Split(text.Text.AsSpan(), 0, parts);
        foreach (var (s, e, id) in parts) output.Add(new Split(text, s, e, id));
    }

    private sealed class Matcher
    {
        private readonly SearchValues<char> _firstChars;
        private readonly Dictionary<char, (string Content, AddedToken Token)[]> _byFirstChar;

        public Matcher(List<(string Content, AddedToken Token)> tokens)
        {
            _byFirstChar = tokens.Where(t => t.Content.Length > 0)
                .GroupBy(t => t.Content[0])
                .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
            _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
        }

        public void Split(ReadOnlySpan<char> text, int offset, List<(int, int, int)> output)
        {
            var pos = 0; // end of the last emitted piece
            var search = 0;
            while (search < text.Length)
            {
                var k = text[search..].IndexOfAny(_firstChars);
                if (k < 0) break;
                var i = search + k;
                var matched = false;
                foreach (var (content, token) in _byFirstChar[text[i]])
                {
                    if (!text[i..].StartsWith(content, StringComparison.Ordinal)) continue;
                    var end = i + content.Length;
                    if (token.SingleWord && (i > 0 && IsWordChar(text[i - 1]) || end < text.Length && IsWordChar(text[end])))
                        break; // leftmost-longest found this token; a rejected single-word match is not replaced by a shorter one
                    var start = i;
                    if (token.LStrip) while (start > pos && char.IsWhiteSpace(text[start - 1])) start--;
                    if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
                    if (start > pos) output.Add((offset + pos, offset + start, -1));
                    output.Add((offset + start, offset + end, token.Id));
                    pos = search = end;
                    matched = true;
                    break;
                }
                if (!matched) search = i + 1;
            }
            if (pos < text.Length) output.Add((offset + pos, offset + text.Length, -1));
        }

        private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
    }
}
