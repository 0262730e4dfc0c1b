namespace SelfSpec.Gguf.Export;

/// <summary>llama.cpp's token types (<c>tokenizer.ggml.token_type</c>; gguf-py's <c>TokenType</c>).</summary>
public enum GgufTokenType
{
    /// <summary>An ordinary token.</summary>
    Normal = 1,
    /// <summary>The unknown token.</summary>
    Unknown = 2,
    /// <summary>A special (control) token such as BOS/EOS.</summary>
    Control = 3,
    /// <summary>A non-special added token, matched verbatim.</summary>
    UserDefined = 4,
    /// <summary>A padding slot with no token.</summary>
    Unused = 5,
    /// <summary>A byte-fallback token <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 6,
}
