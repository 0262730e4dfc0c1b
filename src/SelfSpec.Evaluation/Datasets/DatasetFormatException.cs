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

    /// <summary>Creates the exception for one field of one line of a line-based file (JSONL); <paramref name="field"/> may be null for the whole line.</summary>
    public DatasetFormatException(string file, long line, string? field, string message, Exception? inner = null)
        : this(file, field == null ? $"line {line}" : $"line {line}, field '{field}'", message, inner)
    {
        Line = line;
        Field = field;
    }

    /// <summary>The 1-based line at fault, for line-based files.</summary>
    public long? Line { get; }

    /// <summary>The field at fault, when one field is.</summary>
    public string? Field { get; }

    /// <summary>The file that failed to load.</summary>
    public string File { get; }

    /// <summary>The line, id or element at fault, when known.</summary>
    public string? Record { get; }
}
