using SelfSpec.Tokenizers;

namespace SelfSpec.Llm.Generation;

/// <summary>The model directory's own <c>tokenizer.json</c> (through SelfSpec.Tokenizers) as an <see cref="ITokenizer"/>.</summary>
public sealed class HuggingFaceTokenizer : ITokenizer
{
    /// <summary>Wraps a loaded tokenizer.</summary>
    public HuggingFaceTokenizer(Tokenizer tokenizer) => Inner = tokenizer;

    /// <summary>The underlying tokenizer.</summary>
    public Tokenizer Inner { get; }

    /// <summary>Loads <c>tokenizer.json</c> (and <c>tokenizer_config.json</c>) from <paramref name="modelDirectory"/>, or null when it has none.</summary>
    public static HuggingFaceTokenizer? TryLoad(string modelDirectory) =>
        File.Exists(Path.Combine(modelDirectory, "tokenizer.json")) ? new HuggingFaceTokenizer(Tokenizer.FromDirectory(modelDirectory)) : null;

    /// <inheritdoc />
    /// <remarks>The beginning-of-sequence token comes from the tokenizer's own post-processor, as in Hugging Face.</remarks>
    public IReadOnlyList<int> Encode(string text, bool addBos = true) => Inner.Encode(text, addSpecialTokens: addBos);

    /// <inheritdoc />
    /// <remarks>
    /// Ids the tokenizer does not know are skipped, as Hugging Face's fast tokenizers do: a model's embedding table is
    /// often padded beyond the vocabulary, and a sampled padding id must not abort a whole generation.
    /// </remarks>
    public string Decode(IReadOnlyList<int> ids) => Inner.Decode(ids.Where(id => Inner.IdToToken(id) != null), skipSpecialTokens: true);

    /// <inheritdoc />
    public int? EosTokenId => Inner.EosTokenId;
}
