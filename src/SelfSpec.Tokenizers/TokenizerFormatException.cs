namespace SelfSpec.Tokenizers;

/// <summary>
/// A tokenizer file that cannot be used: malformed JSON, a missing or wrongly typed field, or a component
/// type this library does not implement. The message names the file and the component.
/// </summary>
public sealed class TokenizerFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="file">The file being read, when known.</param>
    /// <param name="component">The component (for example <c>pre_tokenizer</c> or <c>normalizer.normalizers[1]</c>), when known.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public TokenizerFormatException(string message, string? file = null, string? component = null, Exception? inner = null)
        : base(Compose(message, file, component), inner)
    {
        File = file;
        Component = component;
    }

    /// <summary>The file that could not be used, when known.</summary>
    public string? File { get; }

    /// <summary>The JSON path of the offending component, when known.</summary>
    public string? Component { get; }

    private static string Compose(string message, string? file, string? component)
    {
        var where = (file, component) switch
        {
            (not null, not null) => $"{file}: {component}: ",
            (not null, null) => $"{file}: ",
            (null, not null) => $"{component}: ",
            _ => "",
        };
        return where + message;
    }
}
