using System.IO.Compression;
using System.Text;

namespace SelfSpec.Tokenizers.Normalization;

/// <summary>
/// NFC, NFD, NFKC and NFKD from embedded Unicode tables (see Data/make_unicode_tables.py). The process runs with
/// invariant globalization, where <see cref="string.Normalize()"/> does not normalize non-ASCII text.
/// </summary>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Load);

    private sealed class Tables
    {
        public required string UnicodeVersion;
        public readonly Dictionary<int, byte> Ccc = new();
        public readonly Dictionary<int, (bool Compat, int[] Parts)> Decompositions = new();
        public readonly Dictionary<long, int> Composites = new();
        public readonly HashSet<int> NotSegmentStart = new();
    }

    /// <summary>The Unicode version of the embedded tables.</summary>
    public static string UnicodeVersion => Data.Value.UnicodeVersion;

    /// <summary>Chars below this value are unchanged by the form (a fast path for mostly-ASCII text).</summary>
    public static char QuickLimit(NormalizationForm form) => form switch
    {
        NormalizationForm.FormC => '\u0300',
        NormalizationForm.FormD => '\u00C0',
        _ => '\u00A0',
    };

    /// <summary>
    /// True if a normalization segment may start at this code point: the text before it and the text from it on
    /// normalize independently (it is a starter that nothing composes with from the left).
    /// </summary>
    public static bool IsSegmentStart(int cp)
    {
        var t = Data.Value;
        return !t.Ccc.ContainsKey(cp) && !t.NotSegmentStart.Contains(cp);
    }

    /// <summary>
    /// Normalizes <paramref name="text"/>. <paramref name="sources"/> receives, for each output char, the index in
    /// <paramref name="text"/> of the code point it came from, following the Rust library's alignment: chars from a
    /// decomposition keep their source, a composed char keeps the source of its starter.
    /// </summary>
    public static string Normalize(ReadOnlySpan<char> text, NormalizationForm form, List<int> sources)
    {
        var t = Data.Value;
        var compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var compose = form is NormalizationForm.FormC or NormalizationForm.FormKC;
        var cps = new List<int>(text.Length + 4);
        var src = new List<int>(text.Length + 4);
        var position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var before = cps.Count;
            Decompose(t, rune.Value, compat, cps);
            for (var k = before; k < cps.Count; k++) src.Add(position);
            position += rune.Utf16SequenceLength;
        }
        ReorderCombiningMarks(t, cps, src);
        if (compose) Compose(t, cps, src);
        var sb = new StringBuilder(cps.Count + 2);
        sources.Clear();
        for (var k = 0; k < cps.Count; k++)
        {
            var before = sb.Length;
            sb.Append(char.ConvertFromUtf32(cps[k]));
            for (var c = before; c < sb.Length; c++) sources.Add(src[k]);
        }
        return sb.ToString();
    }

    private static void Decompose(Tables t, int cp, bool compat, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (t.Decompositions.TryGetValue(cp, out var d) && (compat || !d.Compat))
        {
            foreach (var p in d.Parts) Decompose(t, p, compat, output);
            return;
        }
        output.Add(cp);
    }

    private static int Ccc(Tables t, int cp) => t.Ccc.TryGetValue(cp, out var c) ? c : 0;

    private static void ReorderCombiningMarks(Tables t, List<int> cps, List<int> src)
    {
        // Insertion sort by combining class inside each run of non-starters (stable, as the algorithm requires).
        for (var i = 1; i < cps.Count; i++)
        {
            var c = Ccc(t, cps[i]);
            if (c == 0) continue;
            var j = i;
            var (cp, s) = (cps[i], src[i]);
            while (j > 0 && Ccc(t, cps[j - 1]) > c) { cps[j] = cps[j - 1]; src[j] = src[j - 1]; j--; }
            cps[j] = cp;
            src[j] = s;
        }
    }

    private static void Compose(Tables t, List<int> cps, List<int> src)
    {
        if (cps.Count == 0) return;
        var result = new List<int>(cps.Count) { cps[0] };
        var resultSrc = new List<int>(cps.Count) { src[0] };
        var starterIndex = 0;
        var starter = cps[0];
        var lastClass = Ccc(t, starter) == 0 ? 0 : 256;
        for (var i = 1; i < cps.Count; i++)
        {
            var ch = cps[i];
            var chClass = Ccc(t, ch);
            if ((lastClass < chClass || lastClass == 0) && TryCompose(t, starter, ch, out var composite))
            {
                result[starterIndex] = composite;
                starter = composite;
                continue;
            }
            if (chClass == 0)
            {
                starterIndex = result.Count;
                starter = ch;
            }
            lastClass = chClass;
            result.Add(ch);
            resultSrc.Add(src[i]);
        }
        cps.Clear();
        cps.AddRange(result);
        src.Clear();
        src.AddRange(resultSrc);
    }

    private static bool TryCompose(Tables t, int a, int b, out int composite)
    {
        if (a is >= LBase and < LBase + LCount && b is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
            return true;
        }
        if (a is >= SBase and < SBase + SCount && (a - SBase) % TCount == 0 && b is > TBase and < TBase + TCount)
        {
            composite = a + (b - TBase);
            return true;
        }
        return t.Composites.TryGetValue(((long)a << 32) | (uint)b, out composite);
    }

    private static Tables Load()
    {
        using var resource = typeof(UnicodeNormalization).Assembly.GetManifestResourceStream("SelfSpec.Tokenizers.unicode-normalization.bin.gz")
            ?? throw new InvalidOperationException("the Unicode normalization tables are missing from the assembly");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var r = new BinaryReader(gzip);
        var t = new Tables { UnicodeVersion = Encoding.ASCII.GetString(r.ReadBytes(r.ReadByte())) };
        for (var n = r.ReadInt32(); n > 0; n--) t.Ccc[r.ReadInt32()] = r.ReadByte();
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var cp = r.ReadInt32();
            var compat = r.ReadByte() != 0;
            var parts = new int[r.ReadByte()];
            for (var k = 0; k < parts.Length; k++) parts[k] = r.ReadInt32();
            t.Decompositions[cp] = (compat, parts);
        }
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var (a, b, c) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            t.Composites[((long)a << 32) | (uint)b] = c;
            t.NotSegmentStart.Add(b);
        }
        for (var v = VBase; v < VBase + VCount; v++) t.NotSegmentStart.Add(v);
        for (var x = TBase + 1; x < TBase + TCount; x++) t.NotSegmentStart.Add(x);
        // A starter whose decomposition begins with a non-starter can reorder with what precedes it.
        var first = new List<int>();
        foreach (var cp in t.Decompositions.Keys)
        {
            first.Clear();
            Decompose(t, cp, compat: true, first);
            if (first.Count > 0 && t.Ccc.ContainsKey(first[0])) t.NotSegmentStart.Add(cp);
        }
        return t;
    }
}
