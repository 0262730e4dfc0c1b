namespace SelfSpec.Retrieval;

/// <summary>An error of the retrieval engine: a malformed input file or a damaged index, with where it happened.</summary>
public class RetrievalException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RetrievalException(string message, string? file = null, int? line = null, Exception? inner = null)
        : base(Format(message, file, line), inner)
    {
        File = file;
        Line = line;
    }

    /// <summary>The file involved, if any.</summary>
    public string? File { get; }

    /// <summary>The 1-based line in <see cref="File"/>, if known.</summary>
    public int? Line { get; }

    private static string Format(string message, string? file, int? line) =>
        file is null ? message : line is null ? $"{file}: {message}" : $"{file}:{line}: {message}";
}

/// <summary>An input corpus file (PubMed XML, JSONL) that cannot be read or parsed.</summary>
public sealed class CorpusFormatException(string message, string? file = null, int? line = null, Exception? inner = null)
    : RetrievalException(message, file, line, inner);

/// <summary>An index folder that is missing, damaged or of an unknown version.</summary>
public sealed class IndexFormatException(string message, string? file = null, Exception? inner = null)
    : RetrievalException(message, file, null, inner);
