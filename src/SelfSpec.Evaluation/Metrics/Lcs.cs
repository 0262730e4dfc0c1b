using System.Numerics;

namespace SelfSpec.Evaluation.Metrics;

/// <summary>
/// Longest-common-subsequence length of two token-id sequences, computed bit-parallel (Allison–Dix / Hyyrö):
/// the first sequence becomes per-token position bitmasks and each token of the second updates a bit vector
/// with one add and a few logical operations per 64 positions, instead of a full O(mn) dynamic-programming table.
/// </summary>
public static class Lcs
{
    /// <summary>The LCS length of <paramref name="a"/> and <paramref name="b"/> (token equality).</summary>
    public static int Length(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        if (a.Length > b.Length) { var t = a; a = b; b = t; }
        var masks = PatternMasks.Build(a);
        return masks.LcsWith(b);
    }

    /// <summary>Plain O(mn) dynamic programming, kept as the readable definition the fast path is tested against.</summary>
    public static int LengthByTable(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>
/// The "pattern" side of a bit-parallel LCS: for each distinct token id of a sequence, the bitmask of its positions.
/// Built once per query and reused against many other sequences.
/// </summary>
public sealed class PatternMasks
{
    private readonly Dictionary<int, ulong[]> _masks;

    private PatternMasks(int length, Dictionary<int, ulong[]> masks)
    {
        Length = length;
        Words = (length + 63) >> 6;
        _masks = masks;
    }

    /// <summary>Number of tokens in the pattern.</summary>
    public int Length { get; }

    /// <summary>Number of 64-bit words per mask.</summary>
    public int Words { get; }

    /// <summary>Builds the position masks of <paramref name="pattern"/>.</summary>
    public static PatternMasks Build(ReadOnlySpan<int> pattern)
    {
        int words = (pattern.Length + 63) >> 6;
        var masks = new Dictionary<int, ulong[]>();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (!masks.TryGetValue(pattern[i], out var m))
                masks[pattern[i]] = m = new ulong[words];
            m[i >> 6] |= 1UL << (i & 63);
        }
        return new PatternMasks(pattern.Length, masks);
    }

    /// <summary>The LCS length of the pattern and <paramref name="text"/>.</summary>
    public int LcsWith(ReadOnlySpan<int> text)
    {
        if (Length == 0 || text.Length == 0) return 0;
        return Words == 1 ? LcsSingleWord(text) : LcsMultiWord(text);
    }

    /// <summary>
    /// LCS of a pattern of at most 64 tokens, given as <paramref name="masks"/>[id] = positions of token id in the pattern
    /// (a dense table indexed by every id that can occur in <paramref name="text"/>), and <paramref name="text"/>.
    /// </summary>
    public static int LcsSingleWord(ReadOnlySpan<ulong> masks, int patternLength, ReadOnlySpan<int> text)
    {
        ulong v = ulong.MaxValue;
        foreach (var token in text)
        {
            ulong u = v & masks[token];
            v = (v + u) | (v - u);
        }
        ulong valid = patternLength == 64 ? ulong.MaxValue : (1UL << patternLength) - 1;
        return BitOperations.PopCount(~v & valid);
    }

    private int LcsSingleWord(ReadOnlySpan<int> text)
    {
        ulong v = ulong.MaxValue;
        foreach (var token in text)
        {
            if (!_masks.TryGetValue(token, out var m)) continue;
            ulong u = v & m[0];
            v = (v + u) | (v - u);
        }
        ulong valid = Length == 64 ? ulong.MaxValue : (1UL << Length) - 1;
        return BitOperations.PopCount(~v & valid);
    }

    private int LcsMultiWord(ReadOnlySpan<int> text)
    {
        int words = Words;
        Span<ulong> v = words <= 32 ? stackalloc ulong[words] : new ulong[words];
        v.Fill(ulong.MaxValue);
        foreach (var token in text)
        {
            if (!_masks.TryGetValue(token, out var m)) continue;
            ulong carry = 0;
            for (int w = 0; w < words; w++)
            {
                ulong vw = v[w], u = vw & m[w];
                // (v + u) with the carry rippling across words; (v - u) never borrows because u's bits are a subset of v's.
                ulong sum = vw + u;
                ulong c1 = sum < vw ? 1UL : 0UL;
                ulong sum2 = sum + carry;
                ulong c2 = sum2 < sum ? 1UL : 0UL;
                v[w] = sum2 | (vw - u);
                carry = c1 | c2;
            }
        }
        int zeros = 0;
        for (int w = 0; w < words; w++)
        {
            int bits = Math.Min(64, Length - (w << 6));
            ulong valid = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            zeros += BitOperations.PopCount(~v[w] & valid);
        }
        return zeros;
    }
}
