using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>A flowchart edge from an outcome port of one activity to the <c>In</c> port of another.</summary>
/// <param name="Source">The source activity id.</param>
/// <param name="SourcePort">The outcome name that selects this edge (e.g. <c>Done</c>, <c>True</c>).</param>
/// <param name="Target">The target activity id.</param>
/// <param name="TargetPort">The target port, always <c>In</c> in practice.</param>
public sealed record Connection(string Source, string SourcePort, string Target, string TargetPort = "In")
{
    /// <summary>Designer bend points, kept verbatim; null when the file had none.</summary>
    public JsonArray? Vertices { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Source}:{SourcePort} -> {Target}:{TargetPort}";
}
