using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Execution;

/// <summary>The verdict on one artifact of a run, with the activity that recomputes it.</summary>
/// <param name="Instance">The run.</param>
/// <param name="Record">The run's completed execution whose artifact this is (it may have been reused from another run).</param>
/// <param name="Check">What verifying the file found.</param>
public sealed record RunArtifactVerdict(WorkflowInstanceRecord Instance, ActivityExecutionRecord Record, ArtifactCheck Check)
{
    /// <summary>The command that recomputes the activity and everything after it.</summary>
    public string RecomputeCommand => ArtifactProducer.RecomputeCommand(Instance.SourceFile, Record.ActivityId);
}

/// <summary>
/// Checks every artifact of completed activity executions of runs against its record (<c>selfspec runs verify</c>).
/// A file shared by several runs (reused from cache) is read once.
/// </summary>
public static class RunVerifier
{
    /// <summary>One verdict per artifact of the latest completed execution of each activity of each instance.</summary>
    public static IReadOnlyList<RunArtifactVerdict> Verify(WorkflowStore store, IEnumerable<WorkflowInstanceRecord> instances, CancellationToken cancellationToken = default)
    {
        var owners = new List<(WorkflowInstanceRecord Instance, ActivityExecutionRecord Record, ArtifactRef Artifact)>();
        foreach (var instance in instances)
        {
            var latest = store.GetRecords(instance.Id).Where(r => r.Status == ActivityStatus.Completed)
                .GroupBy(r => (r.ActivityId, r.Occurrence)).Select(g => g.MaxBy(r => r.CompletedAt)!);
            foreach (var record in latest)
                foreach (var artifact in ArtifactProducer.Artifacts(record.ArtifactsJson))
                    owners.Add((instance, record, artifact));
        }
        var distinct = owners.Select(o => o.Artifact).Distinct().ToList();
        var checks = ArtifactVerifier.Verify(distinct, cancellationToken).ToDictionary(c => c.Artifact);
        return owners.Select(o => new RunArtifactVerdict(o.Instance, o.Record, checks[o.Artifact])).ToList();
    }
}
