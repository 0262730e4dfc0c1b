namespace SelfSpec.Pipeline.Seeds;

/// <summary>One problem in a seed file.</summary>
/// <param name="File">The seed file.</param>
/// <param name="Row">The 1-based row: the line for JSONL and CSV (the header is line 1), the row for Parquet; 0 for the whole file.</param>
/// <param name="Field">The field concerned, if any.</param>
/// <param name="Message">What is wrong.</param>
public sealed record SeedError(string File, long Row, string? Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}, row {Row}{(Field is null ? "" : $", field '{Field}'")}: {Message}";
}

/// <summary>A seed file has invalid rows; <see cref="Errors"/> lists each one with its file, row and field.</summary>
public sealed class SeedFormatException : PipelineException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public SeedFormatException(IReadOnlyList<SeedError> errors, bool truncated = false)
        : base(Summary(errors, truncated), errors[0].File, errors[0].Row, errors[0].Field)
    {
        Errors = errors;
    }

    /// <summary>Every error found (up to <see cref="SeedReader.MaxErrors"/>).</summary>
    public IReadOnlyList<SeedError> Errors { get; }

    private static string Summary(IReadOnlyList<SeedError> errors, bool truncated)
    {
        if (errors.Count == 0) throw new ArgumentException("at least one error", nameof(errors));
        var first = errors[0].Message;
        return errors.Count == 1 ? first
            : $"{first} (and {errors.Count - 1}{(truncated ? "+" : "")} more: {string.Join("; ", errors.Skip(1).Take(4))}{(errors.Count > 5 ? "; …" : "")})";
    }
}
