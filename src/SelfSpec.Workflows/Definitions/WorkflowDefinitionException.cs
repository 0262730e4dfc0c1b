namespace SelfSpec.Workflows.Definitions;

/// <summary>A workflow definition file that cannot be read or is not valid Elsa 3 JSON.</summary>
public sealed class WorkflowDefinitionException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/> (may be null for in-memory JSON).</summary>
    public WorkflowDefinitionException(string message, string? file = null, string? activityId = null, string? field = null, Exception? inner = null)
        : base(Compose(message, file, activityId, field), inner)
    {
        File = file;
        ActivityId = activityId;
        Field = field;
    }

    /// <summary>The definition file, if known.</summary>
    public string? File { get; }

    /// <summary>The activity the problem is in, if any.</summary>
    public string? ActivityId { get; }

    /// <summary>The JSON field the problem is in, if any.</summary>
    public string? Field { get; }

    private static string Compose(string message, string? file, string? activityId, string? field)
    {
        var where = string.Join(", ", new[] { file, activityId is null ? null : "activity " + activityId, field is null ? null : "field " + field }.Where(s => s is not null));
        return where.Length == 0 ? message : $"{where}: {message}";
    }
}
