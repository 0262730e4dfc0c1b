namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>
/// The sandbox of JavaScript expressions: each evaluation runs in a fresh Jint engine without CLR access, under
/// these limits. Exceeding one faults the activity with a message naming the limit.
/// </summary>
public sealed class JavaScriptOptions
{
    /// <summary>Wall-clock time one expression may run. Default 5 s.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes one expression may allocate (as counted by the .NET GC for the evaluating thread). Default 64 MiB.</summary>
    public long MemoryLimitBytes { get; init; } = 64L << 20;

    /// <summary>Statements one expression may execute. Default 1,000,000.</summary>
    public int MaxStatements { get; init; } = 1_000_000;

    /// <summary>How deep JavaScript function calls may nest. Default 256.</summary>
    public int RecursionLimit { get; init; } = 256;

    /// <summary>Evaluate in strict mode. Default false, as Elsa does (Elsa also allows <c>return</c> at top level, as we do).</summary>
    public bool Strict { get; init; }
}
