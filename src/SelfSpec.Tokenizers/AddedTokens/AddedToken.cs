namespace SelfSpec.Tokenizers;

/// <summary>
/// A token from <c>added_tokens</c>: matched in the input text before the model runs, and never split.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The text that is matched.</param>
/// <param name="Special">Special tokens (BOS, EOS, chat markers) are dropped by decoding with <c>skipSpecialTokens</c>.</param>
/// <param name="SingleWord">Only match when not inside a word.</param>
/// <param name="LStrip">Also consume whitespace to the left of a match.</param>
/// <param name="RStrip">Also consume whitespace to the right of a match.</param>
/// <param name="Normalized">Match against the normalized text rather than the raw input.</param>
public sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false,
    bool RStrip = false, bool Normalized = false);
