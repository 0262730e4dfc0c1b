using System.Text;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>Random strings that stress tokenizers: all planes, emoji sequences, combining marks, controls, look-alikes.</summary>
public static class RandomText
{
    private static readonly string[] Fragments =
    [
        " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200d", "\ufeff", "\ufffd", "\u0000", "\u001b",
        "'s", "'LL", "’", "<|endoftext|>", "<|endoftext", "<pad>", "<0xFF>", "<0x41>", "▁", "Ġ", "Ċ", "Ā",
        "👨‍👩‍👧‍👦", "🇺🇸", "👍🏽", "❤️", "e\u0301", "\u0915\u094d\u0937", "𝔘𝔫𝔦", "𓀀", "中文", "한국어", "ñ",
        "IL-6", "TNF-α", "3.14159", "1,234,567", "https://x.org/?a=1&b=2", "{\"k\": [1, null]}",
    ];

    /// <summary>A random string of up to <paramref name="maxParts"/> pieces; never contains a lone surrogate.</summary>
    public static string Next(Random rng, int maxParts = 24)
    {
        var sb = new StringBuilder();
        var parts = rng.Next(0, maxParts + 1);
        for (var i = 0; i < parts; i++)
        {
            switch (rng.Next(4))
            {
                case 0:
                    sb.Append(Fragments[rng.Next(Fragments.Length)]);
                    break;
                case 1:
                    // Any scalar value from any plane (surrogate range excluded).
                    int cp;
                    do cp = rng.Next(2) == 0 ? rng.Next(0, 0x3000) : rng.Next(0, 0x110000);
                    while (cp is >= 0xD800 and <= 0xDFFF);
                    sb.Append(char.ConvertFromUtf32(cp));
                    break;
                case 2:
                    for (var k = rng.Next(1, 8); k > 0; k--) sb.Append((char)rng.Next('a', 'z' + 1));
                    break;
                default:
                    sb.Append((char)rng.Next(0x20, 0x7f));
                    break;
            }
        }
        return sb.ToString();
    }
}
