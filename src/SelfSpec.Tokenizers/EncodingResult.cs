namespace SelfSpec.Tokenizers;

/// <summary>
/// The result of encoding one text (or pair of texts): ids with their tokens, character offsets into the input,
/// type ids, and the masks a model needs. Batch padding adds pad tokens with attention mask 0.
/// </summary>
public sealed class EncodingResult
{
    internal EncodingResult(int[] ids, string[] tokens, (int Start, int End)[] offsets, int[] typeIds, int[] specialTokensMask, int[] attentionMask)
    {
        Ids = ids;
        Tokens = tokens;
        Offsets = offsets;
        TypeIds = typeIds;
        SpecialTokensMask = specialTokensMask;
        AttentionMask = attentionMask;
    }

    /// <summary>The token ids.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>The token strings as they appear in the vocabulary (for example <c>Ġworld</c> or <c>▁Hello</c>).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>
    /// For each token, the [start, end) range of UTF-16 chars of the input it came from. Tokens inserted by
    /// post-processing or padding have (0, 0). In a pair encoding, offsets of the second sequence refer to the second text.
    /// </summary>
    public IReadOnlyList<(int Start, int End)> Offsets { get; }

    /// <summary>The segment of each token (0 for the first sequence, usually 1 for the second).</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>1 for tokens added by post-processing (BOS, separators), 0 otherwise.</summary>
    public IReadOnlyList<int> SpecialTokensMask { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public IReadOnlyList<int> AttentionMask { get; }

    /// <summary>The number of tokens.</summary>
    public int Count => Ids.Count;
}
