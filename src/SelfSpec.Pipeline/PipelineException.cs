namespace SelfSpec.Pipeline;

/// <summary>A pipeline stage could not read its input or produce its artifact; names the file, row and field when known.</summary>
public class PipelineException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public PipelineException(string message, string? file = null, long? row = null, string? field = null, Exception? inner = null)
        : base(Describe(message, file, row, field), inner)
    {
        File = file;
        Row = row;
        Field = field;
    }

    /// <summary>The file concerned, if any.</summary>
    public string? File { get; }

    /// <summary>The 1-based row concerned (the line for JSONL and CSV, the row for Parquet), if any.</summary>
    public long? Row { get; }

    /// <summary>The field (column) concerned, if any.</summary>
    public string? Field { get; }

    private static string Describe(string message, string? file, long? row, string? field)
    {
        var where = string.Join(", ", new[] { file, row is { } r ? $"row {r}" : null, field is null ? null : $"field '{field}'" }.Where(s => s is not null));
        return where.Length == 0 ? message : $"{where}: {message}";
    }
}
