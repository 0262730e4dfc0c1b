using System.Globalization;
using System.Runtime.CompilerServices;

namespace SelfSpec.Tokenizers.PreTokenization;

/// <summary>Unicode classes the split patterns use, decided per code point (not per UTF-16 unit).</summary>
internal static class CodePoints
{
    public const byte Letter = 1, Number = 2, Space = 3, Other = 4;

    /// <summary>Class of the code point at <paramref name="i"/>, and its length in chars (1 or 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Classify(ReadOnlySpan<char> s, int i, out int width)
    {
        var c = s[i];
        if (c < 128)
        {
            width = 1;
            return AsciiClass[c];
        }
        return ClassifySlow(s, i, out width);
    }

    private static byte ClassifySlow(ReadOnlySpan<char> s, int i, out int width)
    {
        var c = s[i];
        UnicodeCategory cat;
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            cat = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1]));
        }
        else
        {
            width = 1;
            if (char.IsWhiteSpace(c)) return Space;
            cat = CharUnicodeInfo.GetUnicodeCategory(c);
        }
        return cat switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            _ => Other,
        };
    }

    private static readonly byte[] AsciiClass = BuildAscii();

    private static byte[] BuildAscii()
    {
        var t = new byte[128];
        for (var c = 0; c < 128; c++)
            t[c] = char.IsAsciiLetter((char)c) ? Letter
                : char.IsAsciiDigit((char)c) ? Number
                : char.IsWhiteSpace((char)c) ? Space
                : Other;
        return t;
    }
}
