using SelfSpec.Tokenizers.Normalization;

namespace SelfSpec.Tokenizers.PreTokenization;

/// <summary>
/// A piece of normalized text on its way to the model: chars [Start, End) of <see cref="Source"/>.
/// <see cref="TokenId"/> is set (≥ 0) for an added token that was already matched and must not be split further.
/// </summary>
internal readonly record struct Split(NormalizedString Source, int Start, int End, int TokenId = -1)
{
    public ReadOnlySpan<char> Span => Source.Text.AsSpan(Start, End - Start);

    public int Length => End - Start;

    public bool IsToken => TokenId >= 0;
}

/// <summary>How the matches of a pattern and the text between them become pieces (HF <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal static class SplitBehaviorExtensions
{
    /// <summary>
    /// Cuts <paramref name="split"/> at <paramref name="matches"/> (sorted, non-overlapping ranges in Source coordinates)
    /// and appends the resulting pieces to <paramref name="output"/>.
    /// </summary>
    public static void Apply(this SplitBehavior behavior, Split split, List<(int Start, int End)> matches, bool invert, List<Split> output)
    {
        if (matches.Count == 0 && !invert && behavior != SplitBehavior.Removed)
        {
            if (split.Length > 0) output.Add(split);
            return;
        }
        // All pieces in order, with whether each is a (possibly inverted) match.
        var pieces = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        var pos = split.Start;
        foreach (var (s, e) in matches)
        {
            if (s > pos) pieces.Add((pos, s, invert));
            pieces.Add((s, e, !invert));
            pos = e;
        }
        if (pos < split.End) pieces.Add((pos, split.End, invert));

        var result = new List<(int Start, int End)>(pieces.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var p in pieces) if (!p.IsMatch) result.Add((p.Start, p.End));
                break;
            case SplitBehavior.Isolated:
                foreach (var p in pieces) result.Add((p.Start, p.End));
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                var previousMatch = false;
                foreach (var p in pieces)
                {
                    if (p.IsMatch && !previousMatch && result.Count > 0) result[^1] = (result[^1].Start, p.End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                var previousMatch = false;
                for (var i = pieces.Count - 1; i >= 0; i--)
                {
                    var p = pieces[i];
                    if (p.IsMatch && !previousMatch && result.Count > 0) result[^1] = (p.Start, result[^1].End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                result.Reverse();
                break;
            }
            case SplitBehavior.Contiguous:
            {
                var previousMatch = false;
                foreach (var p in pieces)
                {
                    if (p.IsMatch == previousMatch && result.Count > 0) result[^1] = (result[^1].Start, p.End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                break;
            }
        }
        foreach (var (s, e) in result)
            if (e > s) output.Add(new Split(split.Source, s, e));
    }
}
