namespace SelfSpec.Evaluation.Datasets;

/// <summary>A benchmark source file does not have the documented format.</summary>
public sealed class DatasetFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="file"/>, optionally naming the record (line, id) at fault.</summary>
    public DatasetFormatException(string file, string? record, string message, Exception? inner = null)
        : base($"{file}{(record == null ? "" : $" ({record})")}: {message}", inner)
    {
        File = file;
        Record = record;
    }

    /// <summary>The file that failed to load.</summary>
    public string File { get; }

    /// <summary>The line, id or element at fault, when known.</summary>
    public string? Record { get; }
}
