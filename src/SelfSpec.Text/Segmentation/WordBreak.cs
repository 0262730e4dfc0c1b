using System.Globalization;

namespace SelfSpec.Text.Segmentation;

/// <summary>The Unicode word-break classes (UAX #29, Unicode 6.3 as used by Lucene 4.10) plus the script classes
/// Lucene's StandardTokenizer treats specially (Han, Hiragana, South-East Asian).</summary>
public enum WordBreak : byte
{
    /// <summary>Anything that breaks words and is never part of a token.</summary>
    Other,
    /// <summary>Alphabetic letters (not ideographs, kana or complex-context scripts).</summary>
    ALetter,
    /// <summary>Hebrew letters.</summary>
    HebrewLetter,
    /// <summary>Decimal digits.</summary>
    Numeric,
    /// <summary>Katakana.</summary>
    Katakana,
    /// <summary>Connector punctuation such as '_'.</summary>
    ExtendNumLet,
    /// <summary>Joins letters only (':' and '·').</summary>
    MidLetter,
    /// <summary>Joins digits only (',' and ';').</summary>
    MidNum,
    /// <summary>Joins letters or digits ('.', '’').</summary>
    MidNumLet,
    /// <summary>The ASCII apostrophe.</summary>
    SingleQuote,
    /// <summary>The ASCII double quote.</summary>
    DoubleQuote,
    /// <summary>Combining marks: attach to the preceding character.</summary>
    Extend,
    /// <summary>Format characters (soft hyphen, …): attach to the preceding character.</summary>
    Format,
    /// <summary>Han ideographs: one token each.</summary>
    Han,
    /// <summary>Hiragana: one token each.</summary>
    Hiragana,
    /// <summary>Thai, Lao, Myanmar, Khmer and other complex-context scripts: runs form one token.</summary>
    SouthEastAsian,
}

/// <summary>Maps code points to <see cref="WordBreak"/> classes from .NET's Unicode categories and a few ranges.</summary>
public static class WordBreakClassifier
{
    private static readonly WordBreak[] Latin1AndBmp = BuildBmpTable();

    /// <summary>The word-break class of <paramref name="codePoint"/>.</summary>
    public static WordBreak Classify(int codePoint) =>
        codePoint < 0x10000 ? Latin1AndBmp[codePoint] : ClassifySlow(codePoint);

    private static WordBreak[] BuildBmpTable()
    {
        var table = new WordBreak[0x10000];
        for (int cp = 0; cp < 0x10000; cp++)
            table[cp] = (cp >= 0xD800 && cp <= 0xDFFF) ? WordBreak.Other : ClassifySlow(cp);
        return table;
    }

    private static WordBreak ClassifySlow(int cp)
    {
        switch (cp)
        {
            case '\'': return WordBreak.SingleQuote;
            case '"': return WordBreak.DoubleQuote;
            case ':' or 0x00B7 or 0x0387 or 0x05F4 or 0x2027 or 0xFE13 or 0xFE55 or 0xFF1A: return WordBreak.MidLetter;
            case ',' or ';' or 0x037E or 0x0589 or 0x060C or 0x060D or 0x066C or 0x07F8 or 0x2044 or 0xFE10 or 0xFE14
                or 0xFE50 or 0xFE54 or 0xFF0C or 0xFF1B: return WordBreak.MidNum;
            case '.' or 0x2018 or 0x2019 or 0x2024 or 0xFE52 or 0xFF07 or 0xFF0E: return WordBreak.MidNumLet;
            case 0x200C or 0x200D: return WordBreak.Extend;
            case 0x200B: return WordBreak.Other;
            case 0x05F3: return WordBreak.ALetter;
        }
        if (IsHan(cp)) return WordBreak.Han;
        if (IsHiragana(cp)) return WordBreak.Hiragana;
        if (IsKatakana(cp)) return WordBreak.Katakana;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (IsSouthEastAsian(cp) && category is UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ModifierLetter or UnicodeCategory.LetterNumber)
            return WordBreak.SouthEastAsian;
        switch (category)
        {
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark:
                return WordBreak.Extend;
            case UnicodeCategory.Format:
                return WordBreak.Format;
            case UnicodeCategory.DecimalDigitNumber:
                return WordBreak.Numeric;
            case UnicodeCategory.ConnectorPunctuation:
                return WordBreak.ExtendNumLet;
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber:
                return IsHebrew(cp) && category == UnicodeCategory.OtherLetter ? WordBreak.HebrewLetter : WordBreak.ALetter;
            default:
                return WordBreak.Other;
        }
    }

    private static bool IsHebrew(int cp) => (cp >= 0x05D0 && cp <= 0x05F2) || (cp >= 0xFB1D && cp <= 0xFB4F);

    private static bool IsHan(int cp) =>
        (cp >= 0x2E80 && cp <= 0x2FDF) || cp == 0x3005 || cp == 0x3007 || (cp >= 0x3021 && cp <= 0x3029)
        || (cp >= 0x3038 && cp <= 0x303B) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);

    private static bool IsHiragana(int cp) => (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309D && cp <= 0x309F) || cp == 0x1B001 || cp == 0x1F200;

    private static bool IsKatakana(int cp) =>
        (cp >= 0x3031 && cp <= 0x3035) || cp == 0x309B || cp == 0x309C || (cp >= 0x30A0 && cp <= 0x30FA)
        || (cp >= 0x30FC && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0x32D0 && cp <= 0x32FE)
        || (cp >= 0x3300 && cp <= 0x3357) || (cp >= 0xFF66 && cp <= 0xFF9D) || cp == 0x1B000;

    private static bool IsSouthEastAsian(int cp) =>
        (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) || (cp >= 0x1780 && cp <= 0x17FF)
        || (cp >= 0x1950 && cp <= 0x19DF) || (cp >= 0x1A20 && cp <= 0x1AAF) || (cp >= 0xAA60 && cp <= 0xAADF);
}
