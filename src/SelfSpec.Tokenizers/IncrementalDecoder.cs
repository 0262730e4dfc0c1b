namespace SelfSpec.Tokenizers;

/// <summary>
/// Decodes generated ids as they arrive. Text is released only when it is complete: a character whose UTF-8
/// bytes are spread over several tokens appears once its last byte has arrived, and decoder rules that depend on
/// position (such as dropping the first leading space) apply as they do for the whole sequence.
/// </summary>
public sealed class IncrementalDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<int> _ids = [];
    private int _prefixOffset;
    private int _readOffset;

    internal IncrementalDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one id and returns the text that became complete (often empty).</summary>
    public string Add(int id)
    {
        _ids.Add(id);
        var prefix = _tokenizer.Decode(Window(_prefixOffset, _readOffset), _skipSpecialTokens);
        var full = _tokenizer.Decode(Window(_prefixOffset, _ids.Count), _skipSpecialTokens);
        if (full.Length > prefix.Length && !full.EndsWith('\uFFFD') && full.StartsWith(prefix, StringComparison.Ordinal))
        {
            _prefixOffset = _readOffset;
            _readOffset = _ids.Count;
            return full[prefix.Length..];
        }
        return "";
    }

    /// <summary>Returns whatever is still held back (for example an incomplete character at the end of generation).</summary>
    public string Flush()
    {
        var prefix = _tokenizer.Decode(Window(_prefixOffset, _readOffset), _skipSpecialTokens);
        var full = _tokenizer.Decode(Window(_prefixOffset, _ids.Count), _skipSpecialTokens);
        _prefixOffset = _readOffset = _ids.Count;
        return full.Length > prefix.Length && full.StartsWith(prefix, StringComparison.Ordinal) ? full[prefix.Length..] : "";
    }

    private IEnumerable<int> Window(int from, int to)
    {
        for (var i = from; i < to; i++) yield return _ids[i];
    }
}
