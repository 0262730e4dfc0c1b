using System.Text;

namespace SelfSpec.Text.Segmentation;

/// <summary>
/// Splits text into words by the Unicode word-break rules (UAX #29) and keeps the words Lucene's
/// <c>StandardTokenizer</c> (4.10) keeps: runs with letters or digits, single ideographs and hiragana,
/// runs of South-East Asian script. Punctuation, symbols and whitespace are dropped. A word longer than
/// <see cref="MaxTokenLength"/> UTF-16 units is cut after that many units and scanning resumes there, which is
/// what Lucene's scanner (whose buffer is that long) does.
/// </summary>
/// <remarks>Allocation-free: enumerate with <c>foreach (var t in new StandardTokenizer(text))</c>.</remarks>
public ref struct StandardTokenizer
{
    /// <summary>Lucene's default maximum token length (255).</summary>
    public const int MaxTokenLength = 255;

    private readonly ReadOnlySpan<char> _text;
    private int _pos;

    /// <summary>Creates a tokenizer over <paramref name="text"/>.</summary>
    public StandardTokenizer(ReadOnlySpan<char> text)
    {
        _text = text;
        _pos = 0;
        Current = default;
    }

    /// <summary>The token found by the last successful <see cref="MoveNext"/>.</summary>
    public TokenSpan Current { get; private set; }

    /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
    public readonly StandardTokenizer GetEnumerator() => this;

    /// <summary>Advances to the next token; false at the end of the text.</summary>
    public bool MoveNext()
    {
        var text = _text;
        int n = text.Length;
        while (_pos < n)
        {
            int start = _pos;
            var cls = ReadUnit(text, start, out int next);
            switch (cls)
            {
                case WordBreak.Han:
                case WordBreak.Hiragana:
                    _pos = next;
                    if (Emit(start, next, cls == WordBreak.Han ? TokenType.Ideographic : TokenType.Hiragana)) return true;
                    continue;
                case WordBreak.SouthEastAsian:
                {
                    int end = next;
                    while (end < n && ReadUnit(text, end, out int e) == WordBreak.SouthEastAsian) end = e;
                    _pos = end;
                    if (Emit(start, end, TokenType.SouthEastAsian)) return true;
                    continue;
                }
                case WordBreak.ALetter:
                case WordBreak.HebrewLetter:
                case WordBreak.Numeric:
                case WordBreak.Katakana:
                case WordBreak.ExtendNumLet:
                {
                    int end = ScanWord(text, cls, next, out bool hasLetter, out bool hasDigit, out bool allKatakana);
                    if (end - start > MaxTokenLength)
                    {
                        end = start + MaxTokenLength;
                        if (char.IsLowSurrogate(text[end])) end--;
                    }
                    _pos = end;
                    if (!hasLetter && !hasDigit) continue; // only connectors such as "___"
                    var type = allKatakana ? TokenType.Katakana : hasLetter ? TokenType.AlphaNum : TokenType.Numeric;
                    if (Emit(start, end, type)) return true;
                    continue;
                }
                default:
                    _pos = next;
                    continue;
            }
        }
        return false;
    }

    private bool Emit(int start, int end, TokenType type)
    {
        if (end - start > MaxTokenLength) return false;
        Current = new TokenSpan(start, end - start, type);
        return true;
    }

    private static bool IsAHLetter(WordBreak c) => c is WordBreak.ALetter or WordBreak.HebrewLetter;

    // WB5, WB8, WB9, WB10, WB13, WB13a, WB13b: pairs that never break.
    private static bool Joins(WordBreak prev, WordBreak c)
    {
        if (IsAHLetter(prev)) return IsAHLetter(c) || c is WordBreak.Numeric or WordBreak.ExtendNumLet;
        return prev switch
        {
            WordBreak.Numeric => IsAHLetter(c) || c is WordBreak.Numeric or WordBreak.ExtendNumLet,
            WordBreak.Katakana => c is WordBreak.Katakana or WordBreak.ExtendNumLet,
            WordBreak.ExtendNumLet => IsAHLetter(c) || c is WordBreak.Numeric or WordBreak.Katakana or WordBreak.ExtendNumLet,
            _ => false,
        };
    }

    private static int ScanWord(ReadOnlySpan<char> text, WordBreak first, int end, out bool hasLetter, out bool hasDigit, out bool allKatakana)
    {
        int n = text.Length;
        var prev = first;
        hasLetter = IsAHLetter(first) || first == WordBreak.Katakana;
        hasDigit = first == WordBreak.Numeric;
        allKatakana = first == WordBreak.Katakana;
        while (end < n)
        {
            var c = ReadUnit(text, end, out int e1);
            if (Joins(prev, c))
            {
                Note(c, ref hasLetter, ref hasDigit, ref allKatakana);
                prev = c;
                end = e1;
                continue;
            }
            if (c is WordBreak.MidLetter or WordBreak.MidNumLet or WordBreak.SingleQuote or WordBreak.MidNum or WordBreak.DoubleQuote && e1 < n)
            {
                var c2 = ReadUnit(text, e1, out int e2);
                bool letters = IsAHLetter(prev) && c is WordBreak.MidLetter or WordBreak.MidNumLet or WordBreak.SingleQuote && IsAHLetter(c2); // WB6, WB7
                bool digits = prev == WordBreak.Numeric && c is WordBreak.MidNum or WordBreak.MidNumLet or WordBreak.SingleQuote && c2 == WordBreak.Numeric; // WB11, WB12
                bool hebrew = prev == WordBreak.HebrewLetter && c == WordBreak.DoubleQuote && c2 == WordBreak.HebrewLetter; // WB7b, WB7c
                if (letters || digits || hebrew)
                {
                    Note(c2, ref hasLetter, ref hasDigit, ref allKatakana);
                    allKatakana = false;
                    prev = c2;
                    end = e2;
                    continue;
                }
            }
            if (prev == WordBreak.HebrewLetter && c == WordBreak.SingleQuote) // WB7a
            {
                prev = c;
                end = e1;
                allKatakana = false;
                continue;
            }
            break;
        }
        return end;
    }

    private static void Note(WordBreak c, ref bool hasLetter, ref bool hasDigit, ref bool allKatakana)
    {
        if (IsAHLetter(c)) { hasLetter = true; allKatakana = false; }
        else if (c == WordBreak.Numeric) { hasDigit = true; allKatakana = false; }
        else if (c == WordBreak.Katakana) hasLetter = true;
        else allKatakana = false;
    }

    // Reads one code point and any Extend/Format characters after it (WB4); returns the base's class.
    private static WordBreak ReadUnit(ReadOnlySpan<char> text, int i, out int next)
    {
        var cls = ReadCodePoint(text, i, out next);
        if (cls is WordBreak.Extend or WordBreak.Format) return WordBreak.Other;
        while (next < text.Length)
        {
            var c = ReadCodePoint(text, next, out int after);
            if (c is not (WordBreak.Extend or WordBreak.Format)) break;
            next = after;
        }
        return cls;
    }

    private static WordBreak ReadCodePoint(ReadOnlySpan<char> text, int i, out int next)
    {
        char ch = text[i];
        if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            next = i + 2;
            return WordBreakClassifier.Classify(char.ConvertToUtf32(ch, text[i + 1]));
        }
        next = i + 1;
        return WordBreakClassifier.Classify(ch);
    }

    /// <summary>All tokens of <paramref name="text"/> as strings (convenience for tests and small inputs).</summary>
    public static List<string> Tokenize(string text)
    {
        var result = new List<string>();
        foreach (var t in new StandardTokenizer(text))
            result.Add(text.Substring(t.Start, t.Length));
        return result;
    }
}
