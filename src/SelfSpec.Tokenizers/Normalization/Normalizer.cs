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
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        if (text.IsNormalized(form)) return input;
        // Normalize one base character with its combining marks at a time, so every output char
        // can be traced back to the original cluster it came from.
        var b = new NormalizedString.Builder(text.Length + 8);
        var start = 0;
        while (start < text.Length)
        {
            var end = start + (char.IsHighSurrogate(text[start]) && start + 1 < text.Length ? 2 : 1);
            while (end < text.Length && IsCombining(text, end)) end += char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? 2 : 1;
            var piece = text.AsSpan(start, end - start).ToString().Normalize(form);
            var (os, oe) = input.Original(start, end);
            foreach (var c in piece) b.Append(c, os, oe);
            start = end;
        }
        return b.ToNormalizedString();
    }

    private static bool IsCombining(string s, int i)
    {
        var cat = char.IsHighSurrogate(s[i]) && i + 1 < s.Length
            ? System.Globalization.CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(s[i], s[i + 1]))
            : System.Globalization.CharUnicodeInfo.GetUnicodeCategory(s[i]);
        return cat is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark
            or System.Globalization.UnicodeCategory.EnclosingMark;
    }
}

internal sealed class LowercaseNormalizer : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        var lower = text.ToLowerInvariant();
        if (ReferenceEquals(lower, text) || lower == text) return input;
        if (lower.Length != text.Length) throw new InvalidOperationException("lowercase changed the text length");
        var b = new NormalizedString.Builder(text.Length);
        for (var i = 0; i < lower.Length; i++) b.Append(lower[i], input.OriginalStart(i), input.OriginalEnd(i));
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

/// <summary>Removes combining marks (use after NFD/NFKD).</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override NormalizedString Normalize(NormalizedString input)
    {
        var text = input.Text;
        var b = new NormalizedString.Builder(text.Length);
        var changed = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text[i]) == System.Globalization.UnicodeCategory.NonSpacingMark) { changed = true; continue; }
            b.Append(text[i], input.OriginalStart(i), input.OriginalEnd(i));
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
