using System.Text;
using SelfSpec.Text.Segmentation;
using SelfSpec.Text.Stemming;

namespace SelfSpec.Text.Analysis;

/// <summary>Receives one analysed term; the span is only valid during the call.</summary>
public delegate void TermHandler(ReadOnlySpan<char> term);

/// <summary>
/// The equivalent of Lucene 4.10's <c>EnglishAnalyzer</c> with its defaults: <see cref="StandardTokenizer"/> →
/// English possessive removal (trailing 's, ’s, ＇s) → lower case → <see cref="EnglishStopWords"/> →
/// <see cref="LucenePorterStemmer"/>. Not thread-safe (it reuses buffers); use one instance per thread.
/// </summary>
public sealed class EnglishAnalyzer
{
    private readonly LucenePorterStemmer _stemmer = new();
    private readonly char[] _buffer = new char[StandardTokenizer.MaxTokenLength * 2 + 16];

    /// <summary>Analyses <paramref name="text"/>, calling <paramref name="handler"/> for each term in order.</summary>
    public void Analyze(ReadOnlySpan<char> text, TermHandler handler)
    {
        foreach (var token in new StandardTokenizer(text))
        {
            int length = Normalize(text.Slice(token.Start, token.Length));
            if (length < 0) continue;
            handler(_buffer.AsSpan(0, length));
        }
    }

    /// <summary>Analyses <paramref name="text"/> into a list of terms.</summary>
    public List<string> Analyze(string text)
    {
        var terms = new List<string>();
        Analyze(text.AsSpan(), t => terms.Add(t.ToString()));
        return terms;
    }

    // Possessive, lower case, stop word, stem; the result lands in _buffer. Returns -1 for a dropped token.
    private int Normalize(ReadOnlySpan<char> token)
    {
        int n = token.Length;
        if (n >= 2 && token[n - 2] is '\'' or '\u2019' or '\uFF07' && token[n - 1] is 's' or 'S') n -= 2;
        int length = LowerCase(token[..n], _buffer);
        if (EnglishStopWords.Contains(_buffer.AsSpan(0, length))) return -1;
        return _stemmer.Stem(_buffer, length);
    }

    // Java's Character.toLowerCase per code point (simple case mapping).
    private static int LowerCase(ReadOnlySpan<char> source, char[] destination)
    {
        int j = 0;
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if (c < 0x80)
            {
                destination[j++] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                var rune = Rune.ToLowerInvariant(new Rune(c, source[i + 1]));
                j += rune.EncodeToUtf16(destination.AsSpan(j));
                i++;
            }
            else
            {
                destination[j++] = char.ToLowerInvariant(c);
            }
        }
        return j;
    }
}
