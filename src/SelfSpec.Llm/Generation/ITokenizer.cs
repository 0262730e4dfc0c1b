namespace SelfSpec.Llm.Generation;

/// <summary>
/// What generation needs from a tokenizer: text to ids, ids to text, and the end-of-sequence id. The CLI adapts
/// SelfSpec.Tokenizers to it; anything else (a test vocabulary, a remote tokenizer) can implement it too.
/// </summary>
public interface ITokenizer
{
    /// <summary>Token ids for <paramref name="text"/>, with the beginning-of-sequence token when <paramref name="addBos"/> is set.</summary>
    IReadOnlyList<int> Encode(string text, bool addBos = true);

    /// <summary>The text of <paramref name="ids"/> (special tokens dropped).</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The end-of-sequence token id, if the vocabulary has one.</summary>
    int? EosTokenId { get; }
}
