namespace SelfSpec.Text.Segmentation;

/// <summary>The kind of a token, as Lucene's StandardTokenizer types it.</summary>
public enum TokenType : byte
{
    /// <summary>Letters, possibly mixed with digits (<c>&lt;ALPHANUM&gt;</c>).</summary>
    AlphaNum,
    /// <summary>Digits only, possibly with separators such as "1,000.5" (<c>&lt;NUM&gt;</c>).</summary>
    Numeric,
    /// <summary>A run of Thai, Lao, Myanmar or Khmer characters.</summary>
    SouthEastAsian,
    /// <summary>One Han ideograph.</summary>
    Ideographic,
    /// <summary>One Hiragana character.</summary>
    Hiragana,
    /// <summary>A run of Katakana.</summary>
    Katakana,
}

/// <summary>A token found by <see cref="StandardTokenizer"/>: a slice of the input text.</summary>
/// <param name="Start">Offset of the first UTF-16 unit in the input.</param>
/// <param name="Length">Length in UTF-16 units.</param>
/// <param name="Type">The token's kind.</param>
public readonly record struct TokenSpan(int Start, int Length, TokenType Type);
