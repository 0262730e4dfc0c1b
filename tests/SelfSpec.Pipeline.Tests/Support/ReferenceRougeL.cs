using System.Text;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>
/// An independent ROUGE-L F-measure written for these tests from the rouge_score semantics in algorithms.md §2 (no
/// stemming): lowercase, every run of characters outside [a-z0-9] is a separator, LCS over the tokens by the O(mn) DP,
/// F = 2PR/(P+R), 0 when either side has no tokens. It is the reference the filter is tested with, not the engine's scorer.
/// </summary>
internal static class ReferenceRougeL
{
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text.ToLowerInvariant())
        {
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9') current.Append(ch);
            else if (current.Length > 0) { tokens.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }

    public static (double P, double R, double F) Score(string target, string prediction)
    {
        var t = Tokenize(target);
        var p = Tokenize(prediction);
        if (t.Count == 0 || p.Count == 0) return (0, 0, 0);
        var table = new int[t.Count + 1, p.Count + 1];
        for (var i = 1; i <= t.Count; i++)
            for (var j = 1; j <= p.Count; j++)
                table[i, j] = t[i - 1] == p[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        double lcs = table[t.Count, p.Count];
        var precision = lcs / p.Count;
        var recall = lcs / t.Count;
        var f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return (precision, recall, f);
    }

    public static double F(string a, string b) => Score(a, b).F;
}
