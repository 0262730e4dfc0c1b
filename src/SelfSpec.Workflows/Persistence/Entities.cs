namespace SelfSpec.Workflows.Persistence;

/// <summary>The lifecycle state of a workflow instance (Elsa's Status and SubStatus folded into one).</summary>
public enum WorkflowStatus
{
    /// <summary>Executing now, or interrupted by a crash (then resumable).</summary>
    Running,
    /// <summary>Waiting (reserved for bookmarks; not produced by the current runtime).</summary>
    Suspended,
    /// <summary>Completed successfully.</summary>
    Finished,
    /// <summary>An activity failed after its retries; resumable.</summary>
    Faulted,
    /// <summary>Cancelled by Ctrl-C or <c>runs cancel</c>; resumable.</summary>
    Cancelled,
}

/// <summary>The state of one activity execution.</summary>
public enum ActivityStatus
{
    /// <summary>Started and not yet ended (or the process died while it ran).</summary>
    Running,
    /// <summary>Ended successfully; outputs and artifacts recorded.</summary>
    Completed,
    /// <summary>Failed after all attempts.</summary>
    Faulted,
    /// <summary>Cancelled while running.</summary>
    Cancelled,
    /// <summary>The process ended while the activity ran; found and marked on resume.</summary>
    Interrupted,
}

/// <summary>A stored definition version (Elsa's WorkflowDefinitions table).</summary>
public sealed class WorkflowDefinitionRecord
{
    /// <summary>The version id.</summary>
    public string Id { get; set; } = "";
    /// <summary>The id shared by every version.</summary>
    public string DefinitionId { get; set; } = "";
    /// <summary>The workflow name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The version number.</summary>
    public int Version { get; set; }
    /// <summary>Whether the version is published.</summary>
    public bool IsPublished { get; set; }
    /// <summary>Whether this is the newest stored version of the definition.</summary>
    public bool IsLatest { get; set; }
    /// <summary>When it was first stored.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When it was last stored.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The Elsa JSON.</summary>
    public string Json { get; set; } = "";
}

/// <summary>A workflow instance (Elsa's WorkflowInstances table).</summary>
public sealed class WorkflowInstanceRecord
{
    /// <summary>The instance id (also the folder name under <c>runs/</c>).</summary>
    public string Id { get; set; } = "";
    /// <summary>The definition id.</summary>
    public string DefinitionId { get; set; } = "";
    /// <summary>The definition version id.</summary>
    public string DefinitionVersionId { get; set; } = "";
    /// <summary>The definition version number.</summary>
    public int Version { get; set; }
    /// <summary>The workflow name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The status.</summary>
    public WorkflowStatus Status { get; set; }
    /// <summary>True while a process holds the instance and executes it.</summary>
    public bool IsExecuting { get; set; }
    /// <summary>The process executing it (<c>host:pid</c>), if any.</summary>
    public string? Owner { get; set; }
    /// <summary>Set by <c>runs cancel</c>; the executing process polls it.</summary>
    public bool CancelRequested { get; set; }
    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When it was last written (heartbeat while executing).</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When it finished, faulted or was cancelled.</summary>
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The workflow input (JSON object).</summary>
    public string InputJson { get; set; } = "{}";
    /// <summary>The variables by name (JSON object), updated after every activity.</summary>
    public string VariablesJson { get; set; } = "{}";
    /// <summary>The workflow output (JSON object).</summary>
    public string OutputJson { get; set; } = "{}";
    /// <summary>The activity ids passed with <c>--force</c> (JSON array).</summary>
    public string ForceJson { get; set; } = "[]";
    /// <summary>The file the definition came from, if any.</summary>
    public string? SourceFile { get; set; }
    /// <summary>The instance's artifact folder.</summary>
    public string RunDirectory { get; set; } = "";
    /// <summary>The fault message, if faulted.</summary>
    public string? Error { get; set; }
}

/// <summary>
/// The definition JSON an instance runs, so a resume uses exactly what was started. Kept out of the instance row,
/// which is rewritten after every activity.
/// </summary>
public sealed class WorkflowInstanceDefinitionRecord
{
    /// <summary>The instance.</summary>
    public string WorkflowInstanceId { get; set; } = "";
    /// <summary>The Elsa JSON.</summary>
    public string Json { get; set; } = "";
}

/// <summary>One execution of one activity (Elsa's ActivityExecutionRecords table).</summary>
public sealed class ActivityExecutionRecord
{
    /// <summary>The record id.</summary>
    public string Id { get; set; } = "";
    /// <summary>The instance.</summary>
    public string WorkflowInstanceId { get; set; } = "";
    /// <summary>The activity id.</summary>
    public string ActivityId { get; set; } = "";
    /// <summary>The activity node id (path of ancestor ids).</summary>
    public string ActivityNodeId { get; set; } = "";
    /// <summary>The activity type name.</summary>
    public string ActivityType { get; set; } = "";
    /// <summary>The activity type version.</summary>
    public int ActivityTypeVersion { get; set; }
    /// <summary>The activity display name.</summary>
    public string ActivityName { get; set; } = "";
    /// <summary>1 for the first execution of this activity in the instance, 2 for the second (loops)…</summary>
    public int Occurrence { get; set; }
    /// <summary>The status.</summary>
    public ActivityStatus Status { get; set; }
    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>When it ended.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>How many attempts ran (0 when reused).</summary>
    public int Attempts { get; set; }
    /// <summary>Each attempt: number, batch size, start, duration, error (JSON array).</summary>
    public string AttemptsJson { get; set; } = "[]";
    /// <summary>The cache key (hash of type, version, resolved inputs and input artifact hashes).</summary>
    public string CacheKey { get; set; } = "";
    /// <summary>The resolved inputs (JSON object).</summary>
    public string InputsJson { get; set; } = "{}";
    /// <summary>The outputs by name (JSON object).</summary>
    public string OutputsJson { get; set; } = "{}";
    /// <summary>The variables written, by variable id (JSON object).</summary>
    public string VariableWritesJson { get; set; } = "{}";
    /// <summary>The artifacts registered (JSON array of <c>{path, sha256, size}</c>).</summary>
    public string ArtifactsJson { get; set; } = "[]";
    /// <summary>The outcomes emitted (JSON array).</summary>
    public string OutcomesJson { get; set; } = "[]";
    /// <summary>The record whose results were reused instead of executing, if any.</summary>
    public string? ReusedFromId { get; set; }
    /// <summary>The error message, if faulted.</summary>
    public string? Error { get; set; }
    /// <summary>The exception with stack trace, if faulted.</summary>
    public string? ErrorDetail { get; set; }

    internal ActivityExecutionRecord Clone() => (ActivityExecutionRecord)MemberwiseClone();
}

/// <summary>One entry of an instance's execution log (Elsa's WorkflowExecutionLogRecords table).</summary>
public sealed class WorkflowExecutionLogRecord
{
    /// <summary>The row id.</summary>
    public long Id { get; set; }
    /// <summary>The instance.</summary>
    public string WorkflowInstanceId { get; set; } = "";
    /// <summary>The activity, if the entry is about one.</summary>
    public string? ActivityId { get; set; }
    /// <summary>The activity type.</summary>
    public string? ActivityType { get; set; }
    /// <summary>The activity display name.</summary>
    public string? ActivityName { get; set; }
    /// <summary>When it happened.</summary>
    public DateTimeOffset Timestamp { get; set; }
    /// <summary>Order within the instance.</summary>
    public long Sequence { get; set; }
    /// <summary>What happened: Started, Completed, Reused, Retrying, Faulted, Cancelled, Line, WorkflowStarted…</summary>
    public string EventName { get; set; } = "";
    /// <summary>A human-readable message.</summary>
    public string? Message { get; set; }
}

/// <summary>A cron schedule that starts a stored definition.</summary>
public sealed class ScheduleRecord
{
    /// <summary>The schedule id.</summary>
    public string Id { get; set; } = "";
    /// <summary>The definition to run (its latest stored version).</summary>
    public string DefinitionId { get; set; } = "";
    /// <summary>The 6-field cron expression (seconds first, UTC), as in <c>Elsa.Cron</c>.</summary>
    public string CronExpression { get; set; } = "";
    /// <summary>Workflow input for each run (JSON object).</summary>
    public string InputJson { get; set; } = "{}";
    /// <summary>When it was added.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When it last started a run.</summary>
    public DateTimeOffset? LastFiredAt { get; set; }
    /// <summary>The instance id of the last run started.</summary>
    public string? LastInstanceId { get; set; }
}
