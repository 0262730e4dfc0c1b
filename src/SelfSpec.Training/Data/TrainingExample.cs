namespace SelfSpec.Training.Data;

/// <summary>
/// One tokenised training sequence. <see cref="Labels"/> is aligned with <see cref="InputIds"/> as in Hugging Face
/// (the shift to next-token targets happens inside the loss); −100 marks positions that do not count.
/// </summary>
public sealed record TrainingExample
{
    /// <summary>The value of a label that the loss ignores.</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Creates an example, checking that the two sequences have the same length.</summary>
    public TrainingExample(int[] inputIds, int[] labels)
    {
        if (inputIds.Length != labels.Length)
            throw new ArgumentException($"input_ids has {inputIds.Length} tokens but labels has {labels.Length}");
        InputIds = inputIds;
        Labels = labels;
    }

    /// <summary>Token ids.</summary>
    public int[] InputIds { get; }

    /// <summary>Labels aligned with <see cref="InputIds"/>, −100 where ignored.</summary>
    public int[] Labels { get; }

    /// <summary>Sequence length.</summary>
    public int Length => InputIds.Length;

    /// <summary>Positions that contribute to the loss: labels after the first one that are not −100 (the first position has no predecessor).</summary>
    public int TargetTokenCount
    {
        get
        {
            var n = 0;
            for (var i = 1; i < Labels.Length; i++) if (Labels[i] != IgnoreIndex) n++;
            return n;
        }
    }

    /// <summary>This example cut to at most <paramref name="maxLength"/> tokens (kept from the start).</summary>
    public TrainingExample Truncate(int maxLength) =>
        Length <= maxLength ? this : new TrainingExample(InputIds[..maxLength], Labels[..maxLength]);
}
