using SelfSpec.Tokenizers.Normalization;

namespace SelfSpec.Tokenizers.PreTokenization;

/// <summary>A <c>pre_tokenizer</c> of tokenizer.json: cuts normalized text into the words the model sees.</summary>
internal abstract class PreTokenizer
{
    /// <summary>Splits every piece that is not already an added token; added tokens pass through.</summary>
    public void PreTokenize(List<Split> splits, List<Split> scratch)
    {
        scratch.Clear();
        foreach (var s in splits)
        {
            if (s.IsToken) scratch.Add(s);
            else SplitOne(s, scratch);
        }
        splits.Clear();
        splits.AddRange(scratch);
    }

    /// <summary>Appends the pieces of <paramref name="split"/> to <paramref name="output"/>.</summary>
    public abstract void SplitOne(Split split, List<Split> output);

    /// <summary>True when this pre-tokenizer (or one inside it) maps text to byte-level symbols.</summary>
    public virtual bool IsByteLevel => false;

    /// <summary>
    /// When the whole pre-tokenizer only cuts text into the pieces of one covering pattern (no text changes),
    /// that pattern's scanner: the encoder then scans the text directly, without building splits.
    /// </summary>
    public virtual MatchScanner? PlainScanner => null;
}

internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> preTokenizers) : PreTokenizer
{
    public override bool IsByteLevel => preTokenizers.Any(p => p.IsByteLevel);

    // Split(pattern) followed by ByteLevel without its own regex and prefix space: the Llama-3 arrangement.
    public override MatchScanner? PlainScanner =>
        preTokenizers.Count == 2 && preTokenizers[0].PlainScanner is { } scanner
        && preTokenizers[1] is ByteLevelPreTokenizer { AddsNothing: true } ? scanner : null;

    public override void SplitOne(Split split, List<Split> output)
    {
        var current = new List<Split> { split };
        var scratch = new List<Split>();
        foreach (var p in preTokenizers) p.PreTokenize(current, scratch);
        output.AddRange(current);
    }
}

/// <summary>Delegate form of a covering split pattern: the match length at a position.</summary>
internal delegate int MatchScanner(ReadOnlySpan<char> text, int position);

/// <summary><c>Split</c>: cut at the matches of a string or regex pattern.</summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly TextPattern _pattern;
    private readonly MatchScanner? _scanner;
    private readonly SplitBehavior _behavior;
    private readonly bool _invert;

    public SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert)
    {
        _pattern = pattern;
        _behavior = behavior;
        _invert = invert;
        // The well-known patterns match at every position, so a scanner yields the same pieces far faster.
        if (pattern.IsRegex)
            _scanner = pattern.Source switch
            {
                SplitScanners.Gpt2Pattern => SplitScanners.Gpt2Match,
                SplitScanners.Llama3Pattern => SplitScanners.Llama3Match,
                SplitScanners.Qwen2Pattern => SplitScanners.Qwen2Match,
                _ => null,
            };
    }

    public override MatchScanner? PlainScanner => _behavior == SplitBehavior.Isolated && !_invert ? _scanner : null;

    public override void SplitOne(Split split, List<Split> output)
    {
        if (_scanner is not null && _behavior == SplitBehavior.Isolated && !_invert)
        {
            ScanIsolated(split, _scanner, output);
            return;
        }
        var matches = _pattern.FindAll(split.Source.Text, split.Start, split.End);
        _behavior.Apply(split, matches, _invert, output);
    }

    internal static void ScanIsolated(Split split, MatchScanner scanner, List<Split> output)
    {
        var span = split.Span;
        var i = 0;
        while (i < span.Length)
        {
            var len = scanner(span, i);
            output.Add(new Split(split.Source, split.Start + i, split.Start + i + len));
            i += len;
        }
    }
}

/// <summary><c>ByteLevel</c>: optional prefix space, optional GPT-2 split; the model then works on UTF-8 bytes.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    public override bool IsByteLevel => true;

    /// <summary>Neither adds a prefix space nor splits: only marks the model input as bytes.</summary>
    public bool AddsNothing => !addPrefixSpace && !useRegex;

    public override MatchScanner? PlainScanner => !addPrefixSpace && useRegex ? SplitScanners.Gpt2Match : null;

    public override void SplitOne(Split split, List<Split> output)
    {
        if (addPrefixSpace && (split.Length == 0 || split.Span[0] != ' '))
            split = Prepend(split, " ");
        if (useRegex) SplitPreTokenizer.ScanIsolated(split, SplitScanners.Gpt2Match, output);
        else if (split.Length > 0) output.Add(split);
    }

    internal static Split Prepend(Split split, string prefix)
    {
        var b = new NormalizedString.Builder(split.Length + prefix.Length);
        var anchor = split.Length > 0 ? split.Source.OriginalOfCodePoint(split.Start) : (split.Source.OriginalStart(split.Start), split.Source.OriginalStart(split.Start));
        b.Append(prefix, anchor.Item1, anchor.Item2);
        split.Source.CopyTo(b, split.Start, split.End);
        var ns = b.ToNormalizedString();
        return new Split(ns, 0, ns.Length);
    }
}

internal enum PrependScheme { Always, First, Never }

/// <summary><c>Metaspace</c>: spaces become the replacement char (▁), which may also be prepended; optionally split before each.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    public override void SplitOne(Split piece, List<Split> output)
    {
        var src = piece.Source;
        var prepend = piece.Length > 0 && piece.Span[0] != replacement && piece.Span[0] != ' ' && scheme switch
        {
            PrependScheme.Always => true,
            PrependScheme.First => src.OriginalStart(piece.Start) == 0,
            _ => false,
        };
        var b = new NormalizedString.Builder(piece.Length + 1);
        if (prepend)
        {
            var (os, oe) = src.OriginalOfCodePoint(piece.Start);
            b.Append(replacement, os, oe);
        }
        for (var i = piece.Start; i < piece.End; i++)
            b.Append(src.Text[i] == ' ' ? replacement : src.Text[i], src.OriginalStart(i), src.OriginalEnd(i));
        var ns = b.ToNormalizedString();
        var whole = new Split(ns, 0, ns.Length);
        if (!split)
        {
            if (whole.Length > 0) output.Add(whole);
            return;
        }
        var matches = new List<(int, int)>();
        for (var i = 0; i < ns.Length; i++) if (ns.Text[i] == replacement) matches.Add((i, i + 1));
        SplitBehavior.MergedWithNext.Apply(whole, matches, false, output);
    }
}

/// <summary><c>Whitespace</c>: keeps the runs of <c>\w+</c> and <c>[^\w\s]+</c>.</summary>
internal sealed class WhitespacePreTokenizer : PreTokenizer
{
    private static readonly TextPattern Words = TextPattern.FromRegex(@"\w+|[^\w\s]+");

    public override void SplitOne(Split split, List<Split> output)
    {
        foreach (var (s, e) in Words.FindAll(split.Source.Text, split.Start, split.End))
            output.Add(new Split(split.Source, s, e));
    }
}

/// <summary><c>WhitespaceSplit</c>: cuts at whitespace, which is dropped.</summary>
internal sealed class WhitespaceSplitPreTokenizer : PreTokenizer
{
    public override void SplitOne(Split split, List<Split> output)
    {
        var t = split.Source.Text;
        var i = split.Start;
        while (i < split.End)
        {
            while (i < split.End && char.IsWhiteSpace(t[i])) i++;
            var s = i;
            while (i < split.End && !char.IsWhiteSpace(t[i])) i++;
            if (i > s) output.Add(new Split(split.Source, s, i));
        }
    }
}

/// <summary><c>Punctuation</c> and <c>Digits</c>: chars of one class are matches, cut with the configured behavior.</summary>
internal sealed class CharClassPreTokenizer(Func<char, bool> isMatch, bool runs, SplitBehavior behavior) : PreTokenizer
{
    public static bool IsPunctuation(char c) =>
        char.IsAsciiLetterOrDigit(c) || c > 127 ? char.IsPunctuation(c) : c > ' ' && c < 127;

    public override void SplitOne(Split split, List<Split> output)
    {
        var t = split.Source.Text;
        var matches = new List<(int, int)>();
        for (var i = split.Start; i < split.End; i++)
        {
            if (!isMatch(t[i])) continue;
            var e = i + 1;
            if (runs) while (e < split.End && isMatch(t[e])) e++;
            matches.Add((i, e));
            i = e - 1;
        }
        behavior.Apply(split, matches, false, output);
    }
}
