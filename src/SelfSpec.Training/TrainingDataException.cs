namespace SelfSpec.Training;

/// <summary>A training data file is unusable: the message names the file, the row (1-based) and the field.</summary>
public sealed class TrainingDataException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public TrainingDataException(string file, long? row, string? field, string problem, Exception? inner = null)
        : base(Describe(file, row, field, problem), inner)
    {
        File = file;
        Row = row;
        Field = field;
        Problem = problem;
    }

    /// <summary>The problem alone, without the location.</summary>
    public string Problem { get; }

    /// <summary>The data file.</summary>
    public string File { get; }

    /// <summary>The 1-based row (line for JSONL), if the problem is in one row.</summary>
    public long? Row { get; }

    /// <summary>The field, if the problem is in one field.</summary>
    public string? Field { get; }

    private static string Describe(string file, long? row, string? field, string problem) =>
        $"{file}{(row is { } r ? $" row {r}" : "")}{(field != null ? $" field '{field}'" : "")}: {problem}";
}
