using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Prompting;

namespace SelfSpec.Training.Data;

/// <summary>
/// Turns instruction/input/output rows into training examples the way Alpaca's <c>preprocess</c> does: the prompt
/// (<see cref="AlpacaTemplate"/>) followed directly by the output and EOS, tokenised with BOS; the prompt's tokens are
/// labelled −100 so only the response and EOS count; truncated to a maximum length.
/// </summary>
public sealed class InstructionExampleEncoder
{
    private readonly ITokenizer tokenizer;
    private readonly int maxLength;

    /// <summary>Creates an encoder; the tokenizer must know its EOS token.</summary>
    public InstructionExampleEncoder(ITokenizer tokenizer, int maxLength = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        if (tokenizer.EosTokenId == null) throw new ArgumentException("the tokenizer has no EOS token, which the response must end with", nameof(tokenizer));
    }

    /// <summary>Encodes one row.</summary>
    public TrainingExample Encode(string instruction, string? input, string output)
    {
        var source = AlpacaTemplate.Format(instruction, input);
        var sourceIds = tokenizer.Encode(source, addBos: true);
        var fullIds = tokenizer.Encode(source + output, addBos: true).Append(tokenizer.EosTokenId!.Value).ToArray();
        var labels = (int[])fullIds.Clone();
        var masked = Math.Min(sourceIds.Count, labels.Length);
        Array.Fill(labels, TrainingExample.IgnoreIndex, 0, masked);
        return new TrainingExample(fullIds, labels).Truncate(maxLength);
    }
}
