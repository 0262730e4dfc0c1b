using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// Something that happened while a workflow ran. The runtime reports these through the
/// <see cref="IProgress{T}"/> given in <see cref="WorkflowRunOptions.Events"/>, synchronously and in order,
/// so a front end (the CLI's live view) can draw every activity without knowing what the activities are.
/// </summary>
/// <param name="InstanceId">The workflow instance.</param>
public abstract record WorkflowEvent(string InstanceId)
{
    /// <summary>When the event happened.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>One activity as the live view lists it.</summary>
/// <param name="Id">The activity id.</param>
/// <param name="Name">The display name.</param>
/// <param name="Type">The type name.</param>
public sealed record ActivityInfo(string Id, string Name, string Type);

/// <summary>The instance started or resumed.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="WorkflowName">The definition name.</param>
/// <param name="Activities">The activities of the root flowchart in definition order.</param>
/// <param name="Resumed">True when continuing an earlier instance.</param>
public sealed record WorkflowStarted(string InstanceId, string WorkflowName, IReadOnlyList<ActivityInfo> Activities, bool Resumed) : WorkflowEvent(InstanceId);

/// <summary>An activity attempt started.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Activity">The activity.</param>
/// <param name="Attempt">The attempt number (1-based).</param>
public sealed record ActivityStarted(string InstanceId, ActivityInfo Activity, int Attempt) : WorkflowEvent(InstanceId);

/// <summary>An activity reported progress.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ActivityId">The activity.</param>
/// <param name="Progress">The progress.</param>
public sealed record ActivityProgressed(string InstanceId, string ActivityId, ActivityProgress Progress) : WorkflowEvent(InstanceId);

/// <summary>An attempt failed and the resilience strategy will try again.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ActivityId">The activity.</param>
/// <param name="FailedAttempt">The attempt that failed.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Delay">The wait before the next attempt.</param>
/// <param name="NextBatchSize">The batch size of the next attempt, when the out-of-memory policy reduced it.</param>
public sealed record ActivityRetrying(string InstanceId, string ActivityId, int FailedAttempt, string Error, TimeSpan Delay, int? NextBatchSize) : WorkflowEvent(InstanceId);

/// <summary>How an activity ended.</summary>
public enum ActivityOutcomeKind
{
    /// <summary>Executed and completed.</summary>
    Completed,
    /// <summary>Not executed: a completed execution with the same cache key was reused.</summary>
    Reused,
    /// <summary>Not executed: no incoming connection was followed.</summary>
    Skipped,
    /// <summary>Failed after all attempts.</summary>
    Faulted,
    /// <summary>Cancelled.</summary>
    Cancelled,
}

/// <summary>An activity ended.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Activity">The activity.</param>
/// <param name="Kind">How it ended.</param>
/// <param name="Elapsed">Wall time of all attempts (zero if not executed).</param>
/// <param name="Artifacts">The artifacts it produced (or that were reused).</param>
/// <param name="Error">The error, if faulted.</param>
public sealed record ActivityEnded(string InstanceId, ActivityInfo Activity, ActivityOutcomeKind Kind, TimeSpan Elapsed,
    IReadOnlyList<ArtifactRef> Artifacts, string? Error) : WorkflowEvent(InstanceId);

/// <summary>
/// The artifacts of a completed execution that was about to be reused differ from its record (damaged, truncated or
/// deleted): the activity and everything after it are recomputed instead. Reported once per activity and run.
/// </summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ActivityId">The activity that is recomputed.</param>
/// <param name="Damaged">Each file that differs, with what was expected and found.</param>
public sealed record ArtifactsDamaged(string InstanceId, string ActivityId, IReadOnlyList<ArtifactCheck> Damaged) : WorkflowEvent(InstanceId);

/// <summary>A <c>WriteLine</c> activity (or an activity's <see cref="ActivityExecutionContext.Log"/>) wrote a line.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ActivityId">The activity.</param>
/// <param name="Text">The line.</param>
public sealed record LineWritten(string InstanceId, string ActivityId, string Text) : WorkflowEvent(InstanceId);

/// <summary>The instance stopped: finished, faulted or cancelled.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Status">The final status.</param>
/// <param name="Error">The fault, if any.</param>
public sealed record WorkflowEnded(string InstanceId, WorkflowStatus Status, string? Error) : WorkflowEvent(InstanceId);
