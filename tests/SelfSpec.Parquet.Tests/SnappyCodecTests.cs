using System.Text;
using SelfSpec.Parquet.Compression;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Our Snappy codec against IronSnappy (an independent port of Google's Snappy), both directions.</summary>
public class SnappyCodecTests
{
    public static TheoryData<string, int> Inputs() => new()
    {
        { "empty", 0 }, { "tiny", 5 }, { "random", 100_000 }, { "zeros", 300_000 }, { "text", 1_500_000 },
        { "periodic", 70_000 }, { "mixed", 200_001 },
    };

    private static byte[] Make(string kind, int n)
    {
        var rng = new Random(n + kind.Length);
        var b = new byte[n];
        switch (kind)
        {
            case "random": rng.NextBytes(b); break;
            case "zeros": break;
            case "periodic": for (var i = 0; i < n; i++) b[i] = (byte)(i % 7 * 13); break;
            case "text":
            {
                var words = new[] { "parquet ", "snappy ", "Ελληνικά ", "abstract ", "PubMed ", "retrieval ", "the ", "of ", "🙂 " };
                var sb = new StringBuilder();
                while (sb.Length < n) sb.Append(words[rng.Next(words.Length)]);
                var t = Encoding.UTF8.GetBytes(sb.ToString());
                Array.Copy(t, b, n);
                break;
            }
            case "mixed":
                for (var i = 0; i < n; i++) b[i] = rng.Next(4) == 0 ? (byte)rng.Next(256) : (byte)(i / 1000);
                break;
            default: rng.NextBytes(b); break;
        }
        return b;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Ours_compressed_decodes_with_IronSnappy(string kind, int n)
    {
        var data = Make(kind, n);
        var buf = new byte[SnappyCodec.MaxCompressedLength(n)];
        var len = SnappyCodec.Compress(data, buf);
        Assert.Equal(data, IronSnappy.Snappy.Decode(buf.AsSpan(0, len)));
        if (kind is "zeros" or "text" or "periodic") Assert.True(len < n / 2, $"{kind}: {len} bytes for {n}");
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void IronSnappy_compressed_decodes_with_ours(string kind, int n)
    {
        var data = Make(kind, n);
        var compressed = IronSnappy.Snappy.Encode(data);
        var back = new byte[SnappyCodec.GetUncompressedLength(compressed)];
        SnappyCodec.Decompress(compressed, back);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Corrupt_input_raises_ParquetFormatException_only()
    {
        var data = Make("text", 50_000);
        var compressed = IronSnappy.Snappy.Encode(data);
        var rng = new Random(7);
        for (var trial = 0; trial < 2000; trial++)
        {
            var bad = (byte[])compressed.Clone();
            var cut = rng.Next(2) == 0 ? rng.Next(bad.Length) : bad.Length;
            for (var k = 0; k < 3; k++) bad[rng.Next(cut)] ^= (byte)rng.Next(1, 256);
            var input = bad.AsSpan(0, cut).ToArray();
            try
            {
                var back = new byte[data.Length];
                SnappyCodec.Decompress(input, back);
            }
            catch (ParquetFormatException) { }
        }
    }
}
