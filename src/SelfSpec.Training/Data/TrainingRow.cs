namespace SelfSpec.Training.Data;

/// <summary>
/// One row of a training data file, before tokenisation: either pre-tokenised (<see cref="InputIds"/> and
/// <see cref="Labels"/>) or an instruction example (<see cref="Instruction"/>, <see cref="Input"/>, <see cref="Output"/>).
/// </summary>
public sealed record TrainingRow
{
    /// <summary>1-based row number in the file (for error messages).</summary>
    public long Number { get; init; }

    /// <summary>Pre-tokenised ids, if the row has them.</summary>
    public int[]? InputIds { get; init; }

    /// <summary>Pre-tokenised labels (−100 = ignored), aligned with <see cref="InputIds"/>; when absent every token counts.</summary>
    public int[]? Labels { get; init; }

    /// <summary>The instruction, for an instruction row.</summary>
    public string? Instruction { get; init; }

    /// <summary>The optional input of an instruction row.</summary>
    public string? Input { get; init; }

    /// <summary>The expected response of an instruction row.</summary>
    public string? Output { get; init; }

    /// <summary>True when the row carries token ids.</summary>
    public bool IsPreTokenized => InputIds != null;
}
