using System.Text;

namespace SelfSpec.Tokenizers.Models;

/// <summary>
/// GPT-2's reversible mapping of the 256 byte values to printable chars (space → Ġ, newline → Ċ, …),
/// used by byte-level vocabularies.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = new char[256];
    private static readonly short[] CharToByteTable = new short[324];

    static ByteLevelAlphabet()
    {
        Array.Fill(CharToByteTable, (short)-1);
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            var c = printable ? (char)b : (char)next++;
            ByteToCharTable[b] = c;
            CharToByteTable[c] = (short)b;
        }
    }

    /// <summary>The char that stands for byte <paramref name="b"/>.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a char stands for, or -1 if the char is not part of the alphabet.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>The byte-level form of <paramref name="text"/>: one alphabet char per UTF-8 byte.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(n, bytes[..n].ToArray(), static (dst, src) =>
        {
            for (var i = 0; i < src.Length; i++) dst[i] = ByteToCharTable[src[i]];
        });
    }

    /// <summary>
    /// Appends the bytes a byte-level token stands for. As in the Hugging Face decoder, a token with any char
    /// outside the alphabet (an added token such as a chat marker, for example) contributes its own UTF-8 bytes.
    /// </summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        foreach (var c in token)
            if (CharToByte(c) < 0)
            {
                output.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
                return;
            }
        foreach (var c in token) output.Add((byte)CharToByte(c));
    }
}
