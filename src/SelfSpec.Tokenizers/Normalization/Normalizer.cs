namespace SelfSpec.Tokenizers.Normalization;

/// <summary>A <c>normalizer</c> of tokenizer.json: rewrites text before it is split into words.</summary>
internal abstract class Normalizer
{
    /// <summary>Returns the normalized form; may return <paramref name="input"/> itself when nothing changes.</summary>
    public abstract NormalizedString Normalize(NormalizedString input);

    /// <summary>Normalizes a plain string (used for the content of added tokens with <c>normalized: true</c>).</summary>
    public string Normalize(string text) => Normalize(new NormalizedString(text, 0, text.Length)).Text;
}

internal sealed class SequenceNormalizer(IReadOnlyList<Normalizer> normalizers) : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        foreach (var n in normalizers) input = n.Normalize(input);
        return input;
    }
}

/// <summary>NFC, NFD, NFKC or NFKD.</summary>
internal sealed class UnicodeNormalizer(System.Text.NormalizationForm form) : Normalizer
{
    private readonly char _quickLimit = UnicodeNormalization.QuickLimit(form);

    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        if (!text.AsSpan().ContainsAnyExceptInRange('\0', (char)(_quickLimit - 1))) return input;
        // Normalize segment by segment (a segment starts where nothing can compose or reorder across), so every
        // output char can be traced back to the original segment it came from.
        var b = new NormalizedString.Builder(text.Length + 8);
        var sources = new List<int>();
        var changed = false;
        var start = 0;
        while (start < text.Length)
        {
            var end = start + Width(text, start);
            while (end < text.Length && !IsSegmentStart(text, end)) end += Width(text, end);
            var segment = text.AsSpan(start, end - start);
            if (segment.Length == 1 && (segment[0] < _quickLimit || char.IsSurrogate(segment[0])))
                b.Append(segment[0], input.OriginalStart(start), input.OriginalEnd(start));
            else
            {
                var normalized = UnicodeNormalization.Normalize(segment, form, sources);
                if (segment.SequenceEqual(normalized)) input.CopyTo(b, start, end);
                else
                {
                    changed = true;
                    for (var k = 0; k < normalized.Length; k++)
                    {
                        var from = start + sources[k];
                        var (os, oe) = input.Original(from, from + Width(text, from));
                        b.Append(normalized[k], os, oe);
                    }
                }
            }
            start = end;
        }
        return changed ? b.ToNormalizedString() : input;
    }

    private static int Width(string s, int i) => char.IsSurrogatePair(s, i) ? 2 : 1;

    private bool IsSegmentStart(string s, int i) =>
        s[i] < _quickLimit
        || (char.IsSurrogate(s[i]) && !char.IsSurrogatePair(s, i)) // a lone surrogate: nothing normalizes with it
        || (i > 0 && char.IsSurrogate(s[i - 1]) && !char.IsSurrogatePair(s, i - 1))
        || UnicodeNormalization.IsSegmentStart(char.ConvertToUtf32(s, i));
}

/// <summary>Lowercases per code point, with the one multi-char mapping of Unicode's full lowercasing (İ → i̇), as Rust does.</summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        var lower = text.ToLowerInvariant();
        if (lower == text) return input;
        var b = new NormalizedString.Builder(text.Length + 2);
        Span<char> buffer = stackalloc char[2];
        for (var i = 0; i < text.Length;)
        {
            if (!System.Text.Rune.TryGetRuneAt(text, i, out var rune))
            {
                b.Append(text[i], input.OriginalStart(i), input.OriginalEnd(i)); // a lone surrogate stays as it is
                i++;
                continue;
            }
            var (os, oe) = input.Original(i, i + rune.Utf16SequenceLength);
            if (rune.Value == 0x130) b.Append("i\u0307", os, oe);
            else
            {
                var n = System.Text.Rune.ToLowerInvariant(rune).EncodeToUtf16(buffer);
                b.Append(buffer[..n], os, oe);
            }
            i += rune.Utf16SequenceLength;
        }
        return b.ToNormalizedString();
    }
}

internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        int s = 0, e = text.Length;
        if (left) while (s < e && char.IsWhiteSpace(text[s])) s++;
        if (right) while (e > s && char.IsWhiteSpace(text[e - 1])) e--;
        if (s == 0 && e == text.Length) return input;
        var b = new NormalizedString.Builder(e - s);
        input.CopyTo(b, s, e);
        return b.ToNormalizedString();
    }
}

/// <summary>Removes combining marks, Mn, Mc and Me (use after NFD/NFKD).</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        var b = new NormalizedString.Builder(text.Length);
        var changed = false;
        for (var i = 0; i < text.Length; i++)
        {
            var width = char.IsSurrogatePair(text, i) ? 2 : 1;
            var category = width == 2
                ? System.Globalization.CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))
                : System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text[i]);
            if (category is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
                or System.Globalization.UnicodeCategory.EnclosingMark)
            {
                changed = true;
                i += width - 1;
                continue;
            }
            input.CopyTo(b, i, i + width);
            i += width - 1;
        }
        return changed ? b.ToNormalizedString() : input;
    }
}

internal sealed class PrependNormalizer(string prepend) : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        if (input.Length == 0) return input;
        var b = new NormalizedString.Builder(input.Length + prepend.Length);
        var (os, oe) = input.OriginalOfCodePoint(0);
        b.Append(prepend, os, oe);
        input.CopyTo(b, 0, input.Length);
        return b.ToNormalizedString();
    }
}

/// <summary>Replaces every match of a literal string or a regular expression.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        var matches = pattern.FindAll(text);
        if (matches.Count == 0) return input;
        var b = new NormalizedString.Builder(text.Length + matches.Count * content.Length);
        var pos = 0;
        foreach (var (s, e) in matches)
        {
            input.CopyTo(b, pos, s);
            var (os, oe) = input.Original(s, e);
            // The replacement takes the span of what it replaces; an empty replacement just drops it.
            b.Append(content, os, oe);
            pos = e;
        }
        input.CopyTo(b, pos, text.Length);
        return b.ToNormalizedString();
    }
}
