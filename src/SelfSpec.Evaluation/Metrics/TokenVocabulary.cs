namespace SelfSpec.Evaluation.Metrics;

/// <summary>Maps token strings to dense integer ids so LCS compares ints instead of strings.</summary>
/// <remarks>Not thread-safe for <see cref="Encode"/>; <see cref="EncodeKnown"/> only reads and may run beside other readers.</remarks>
public sealed class TokenVocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    /// <summary>Number of distinct tokens seen.</summary>
    public int Count => _ids.Count;

    /// <summary>Ids of <paramref name="tokens"/>, adding unseen tokens.</summary>
    public int[] Encode(IReadOnlyList<string> tokens)
    {
        var ids = new int[tokens.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!_ids.TryGetValue(tokens[i], out var id))
                _ids[tokens[i]] = id = _ids.Count;
            ids[i] = id;
        }
        return ids;
    }

    /// <summary>Ids of <paramref name="tokens"/> without growing the vocabulary: unseen tokens get -1, which equals no stored token.</summary>
    public int[] EncodeKnown(IReadOnlyList<string> tokens)
    {
        var ids = new int[tokens.Count];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = _ids.TryGetValue(tokens[i], out var id) ? id : -1;
        return ids;
    }
}
