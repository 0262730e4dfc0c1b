namespace SelfSpec.Tokenizers;

/// <summary>Which end of a sequence loses tokens (truncation) or gains pad tokens (padding).</summary>
public enum Side
{
    /// <summary>The end of the sequence.</summary>
    Right,

    /// <summary>The start of the sequence.</summary>
    Left,
}

/// <summary>Limits every encoding to <see cref="MaxLength"/> tokens, special tokens included.</summary>
/// <param name="MaxLength">The most tokens an encoding may have after special tokens are added.</param>
/// <param name="Side">Where tokens are removed: <see cref="Side.Right"/> keeps the start of the text.</param>
public sealed record TruncationOptions(int MaxLength, Side Side = Side.Right);

/// <summary>Pads the encodings of a batch to a common length.</summary>
/// <param name="Length">A fixed length, or null to pad to the longest encoding in the batch.</param>
/// <param name="Side">Where pad tokens go: <see cref="Side.Left"/> is what decoder-only generation wants.</param>
/// <param name="PadToMultipleOf">Round the length up to a multiple of this (0 for no rounding).</param>
/// <param name="PadId">The pad token id; null uses the tokenizer's <see cref="Tokenizer.PadTokenId"/>.</param>
/// <param name="PadTypeId">The type id of pad tokens.</param>
public sealed record PaddingOptions(int? Length = null, Side Side = Side.Right, int PadToMultipleOf = 0, int? PadId = null, int PadTypeId = 0);
