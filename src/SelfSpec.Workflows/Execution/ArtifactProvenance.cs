using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Execution;

/// <summary>Which activity execution wrote an artifact, and the command that recomputes it.</summary>
/// <param name="Record">The completed execution whose folder holds the file.</param>
/// <param name="Artifact">The file as that execution recorded it.</param>
public sealed record ArtifactProducer(ActivityExecutionRecord Record, ArtifactRef Artifact)
{
    /// <summary>
    /// Finds the execution that wrote <paramref name="path"/> (a file below <c>runs/&lt;instance&gt;/&lt;activity&gt;/</c>
    /// recorded by that instance); null for a file no recorded activity wrote.
    /// </summary>
    public static ArtifactProducer? Find(WorkflowStore store, string path)
    {
        var full = Path.GetFullPath(path);
        for (var dir = Path.GetDirectoryName(Path.GetDirectoryName(full)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (store.FindInstance(Path.GetFileName(dir)) is not { } instance || Path.GetFullPath(instance.RunDirectory) != dir) continue;
            foreach (var record in store.GetRecords(instance.Id).Where(r => r.Status == ActivityStatus.Completed && r.ReusedFromId is null))
                if (Artifacts(record.ArtifactsJson).FirstOrDefault(a => a.Path == full) is { } artifact)
                    return new ArtifactProducer(record, artifact);
            return null;
        }
        return null;
    }

    /// <summary>The artifacts of a record's <see cref="ActivityExecutionRecord.ArtifactsJson"/>.</summary>
    public static List<ArtifactRef> Artifacts(string artifactsJson) =>
        (JsonNode.Parse(artifactsJson) as JsonArray ?? []).OfType<JsonObject>()
            .Select(a => ArtifactRef.FromJson(a) ?? new ArtifactRef(a["path"]!.ToString(), a["sha256"]!.ToString(), a["size"]!.GetValue<long>()))
            .ToList();

    /// <summary>The command that recomputes <paramref name="activityId"/> (and what follows it) of the workflow in <paramref name="workflowFile"/>.</summary>
    public static string RecomputeCommand(string? workflowFile, string activityId) =>
        $"selfspec run {Quote(workflowFile is null ? "<workflow.json>" : RelativeIfBelowCurrent(workflowFile))} --force {Quote(activityId)}";

    private static string RelativeIfBelowCurrent(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string Quote(string s) => s.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '&' or ';') ? $"'{s.Replace("'", "'\\''")}'" : s;
}
